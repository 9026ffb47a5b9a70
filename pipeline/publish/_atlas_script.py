"""The atlas page's script (plain JavaScript of our own, no library), inlined by the atlas.

Levels: the social spaces and the municipalities are SVG paths filled by the script; the
cells (or units) are drawn on a canvas under the SVG, redrawn with the SVG's screen matrix
on every zoom, pan or resize, and hit-tested by inverting the grid's affine map (units:
``isPointInPath``). The time comparison colours the social spaces by the change since an
earlier published run (a diverging scale, symmetric about 0).
"""

from pipeline.publish._atlas_selftest import SELFTEST_JS

__all__ = ["JS"]

_MAIN = r"""
(function(){
'use strict';
var D=JSON.parse(document.getElementById('atlas-data').textContent);
var svg=document.getElementById('map');
var paths=Array.prototype.slice.call(document.querySelectorAll('#spaces path'));
var mpaths=Array.prototype.slice.call(document.querySelectorAll('#municipalities path'));
var dots=Array.prototype.slice.call(document.querySelectorAll('#facilities circle'));
var canvas=document.getElementById('cells');
var sel=document.getElementById('indicator');
var lsel=document.getElementById('level');
var csel=document.getElementById('compare');
var ftog=document.getElementById('show-facilities');
var legend=document.getElementById('legend');
var flegend=document.getElementById('facility-legend');
var tip=document.getElementById('tip');
var panel=document.getElementById('profile');
var body=document.getElementById('profile-body');
var search=document.getElementById('search');
var info=document.getElementById('search-info');
var NS='http://www.w3.org/2000/svg';
var DIVERGING=['#2166ac','#92c5de','#f7f7f7','#f4a582','#b2182b'];
var byKey={};D.layers.forEach(function(l){byKey[l.key]=l;});
var cur=null, selected=-1, lvl='sr', cmp=0;

function num(x,d){
  if(x===null||x===undefined||!isFinite(x)){return '–';}
  var s=Math.abs(x).toFixed(d), p=s.split('.');
  p[0]=p[0].replace(/\B(?=(\d{3})+(?!\d))/g,'\u202f');
  return (x<0&&Number(s)!==0?'-':'')+p.join(',');
}
function fmt(l,v){
  if(v===null||v===undefined||!isFinite(v)){return '–';}
  return num(v,l.digits)+(l.suffix?(l.suffix==='%'?' %':' '+l.suffix):'');
}
function signed(l,v){
  if(v===null||v===undefined||!isFinite(v)){return '–';}
  var t=fmt(l,v);return (v>0&&t.charAt(0)!=='-'?'+':'')+t;
}
function el(tag,attrs,text){
  var e=document.createElement(tag);
  for(var k in attrs){e.setAttribute(k,attrs[k]);}
  if(text!==undefined){e.textContent=text;}
  return e;
}
function sv(tag,attrs,text){
  var e=document.createElementNS(NS,tag);
  for(var k in attrs){e.setAttribute(k,attrs[k]);}
  if(text!==undefined){e.textContent=text;}
  return e;
}
function bytes(b64){
  var s=atob(b64), a=new Uint8Array(s.length);
  for(var i=0;i<s.length;i++){a[i]=s.charCodeAt(i);}
  return new DataView(a.buffer);
}
function ints(b64,signedInt){
  var v=bytes(b64), n=v.byteLength/2, out=new Array(n);
  for(var i=0;i<n;i++){out[i]=signedInt?v.getInt16(2*i,true):v.getUint16(2*i,true);}
  return out;
}

// --- what is drawn: the layer's values at the level (or their change) -----------------
function available(l,level){
  if(level==='sr'){return true;}
  if(l.kind!=='number'){return false;}
  return level==='gem'?!!l.gem:!!l.cell;
}
function comparison(l){
  if(lvl!=='sr'||!cmp||l.kind!=='number'){return null;}
  var c=D.compare[cmp-1].changes[l.key];
  if(!c){return null;}
  if(!c.view){
    // the scale reaches the largest change, at least one step of the shown precision
    // (changes below it read as none)
    var m=Math.pow(10,-l.digits);
    c.delta.forEach(function(v){if(v!==null&&Math.abs(v)>m){m=Math.abs(v);}});
    c.view={values:c.delta,before:c.before,breaks:[-0.6*m,-0.2*m,0.2*m,0.6*m],
      colors:DIVERGING,min:-m,max:m,delta:true};
  }
  return c.view;
}
function viewOf(l){
  if(l.kind!=='number'){return null;}
  if(lvl==='gem'){return l.gem;}
  if(lvl==='cell'){
    var c=l.cell;
    if(!c.values){c.values=ints(c.q,false).map(function(q){
      return q===65535?null:c.offset+q*c.step;});}
    return c;
  }
  return comparison(l)||l;
}
function classOf(v,x){
  var k=0;for(var j=0;j<v.breaks.length;j++){if(x>=v.breaks[j]){k=j+1;}}
  return k;
}
function colorAt(l,i){
  if(l.kind==='category'){var s=l.classes[i];return s?l.colors[s-1]:D.missing;}
  var v=viewOf(l), x=v.values[i];
  return (x===null||x===undefined)?D.missing:v.colors[classOf(v,x)];
}
function valueText(l,i){
  if(l.kind==='category'){var s=l.classes[i];return s?l.names[s-1]:l.none;}
  var v=viewOf(l);
  if(v.delta){return signed(l,v.values[i])+' seit '+D.compare[cmp-1].date;}
  return fmt(l,v.values[i]);
}
function row(color,text){
  var r=el('div',{'class':'row'});
  r.appendChild(el('span',{'class':'sw',style:'background:'+color}));
  r.appendChild(el('span',{},text));
  return r;
}
var LEVEL_NOUN={sr:'Sozialräume',gem:'Gemeinden',cell:'Zellen'};
function drawLegend(l){
  legend.textContent='';
  if(l.kind==='category'){
    legend.appendChild(el('h3',{},l.label));
    l.names.forEach(function(n,j){legend.appendChild(row(l.colors[j],n));});
    if(l.classes.some(function(s){return !s;})){legend.appendChild(row(D.missing,l.none));}
    return;
  }
  var v=viewOf(l);
  legend.appendChild(el('h3',{},v.delta?l.label+': Veränderung seit '+D.compare[cmp-1].date:
    l.label));
  if(l.unit){legend.appendChild(el('div',{'class':'hint'},'Einheit: '+l.unit+
    (v.delta?'; Klassen symmetrisch um 0':'; Klassen: Quantile der '+LEVEL_NOUN[lvl])));}
  var lo=v.min;
  for(var j=0;j<v.colors.length;j++){
    var hi=(j<v.breaks.length)?v.breaks[j]:v.max;
    var text=v.delta?signed(l,lo)+' bis '+signed(l,hi):
      (lo===null?'–':num(lo,l.digits))+' bis '+(hi===null?'–':fmt(l,hi));
    legend.appendChild(row(v.colors[j],text));
    lo=hi;
  }
  if(v.values.some(function(x){return x===null;})){
    legend.appendChild(row(D.missing,v.delta?'ohne Vergleich (neue oder geänderte Kennung)':
      lvl==='cell'?'keine Angabe oder unter 3 Einwohnern':'keine Angabe'));}
  if(l.county!==null&&!v.delta){
    legend.appendChild(el('div',{'class':'county'},'Kreiswert: '+fmt(l,l.county)));
  }
}
function fills(){
  if(lvl==='gem'){return mpaths.map(function(p){return p.getAttribute('fill');});}
  if(lvl==='cell'){return null;}
  return paths.map(function(p){return p.getAttribute('fill');});
}
function draw(){
  svg.setAttribute('class','lv-'+lvl);
  if(lvl==='sr'){paths.forEach(function(p,i){p.setAttribute('fill',colorAt(cur,i));});}
  if(lvl==='gem'){mpaths.forEach(function(p,m){p.setAttribute('fill',colorAt(cur,m));});}
  drawCells();
  drawLegend(cur);
}
function setLayer(key){
  var l=byKey[key];
  if(!l||!available(l,lvl)){l=D.layers.filter(function(x){return available(x,lvl);})[0];}
  cur=l;
  if(!cur){return;}
  sel.value=cur.key;
  draw();
  if(selected>=0){reopen();}
}
function setLevel(key){
  lvl=D.levels.some(function(x){return x.key===key;})?key:'sr';
  if(lsel){lsel.value=lvl;}
  Array.prototype.forEach.call(sel.options,function(o){
    o.disabled=!available(byKey[o.value]||{},lvl);});
  if(csel){csel.disabled=lvl!=='sr';}
  closeProfile();
  setLayer(cur?cur.key:null);
}
sel.addEventListener('change',function(){setLayer(sel.value);});
if(lsel){lsel.addEventListener('change',function(){setLevel(lsel.value);});}
if(csel){csel.addEventListener('change',function(){cmp=Number(csel.value)||0;setLayer(cur.key);});}

// --- cells on the canvas -----------------------------------------------------------------
var C=D.cells||null, cellKey={}, unitPaths=null, cellSr=null;
if(C){
  cellSr=ints(C.sr,false);
  if(C.kind==='grid'){
    C.ixs=ints(C.ix,true);C.iys=ints(C.iy,true);
    for(var c=0;c<C.n;c++){cellKey[C.ixs[c]*65536+C.iys[c]]=c;}
  }else{unitPaths=C.paths.map(function(d){return new Path2D(d);});}
}
function canvasMatrix(){
  var r=canvas.getBoundingClientRect(), dpr=window.devicePixelRatio||1, m=svg.getScreenCTM();
  return {r:r,dpr:dpr,m:[dpr*m.a,dpr*m.b,dpr*m.c,dpr*m.d,dpr*(m.e-r.left),dpr*(m.f-r.top)]};
}
function drawCells(){
  if(lvl!=='cell'||!C){canvas.hidden=true;return;}
  canvas.hidden=false;
  var t=canvasMatrix(), W=Math.round(t.r.width*t.dpr), H=Math.round(t.r.height*t.dpr);
  if(canvas.width!==W||canvas.height!==H){canvas.width=W;canvas.height=H;}
  var ctx=canvas.getContext('2d');
  ctx.setTransform(1,0,0,1,0,0);ctx.clearRect(0,0,W,H);
  ctx.setTransform(t.m[0],t.m[1],t.m[2],t.m[3],t.m[4],t.m[5]);
  var v=viewOf(cur), groups={};
  for(var i=0;i<C.n;i++){
    var x=v.values[i], col=(x===null)?D.missing:v.colors[classOf(v,x)];
    (groups[col]=groups[col]||[]).push(i);
  }
  if(C.kind==='grid'){
    var A=C.affine;ctx.transform(A[0],A[1],A[2],A[3],A[4],A[5]);
  }
  Object.keys(groups).sort().forEach(function(col){
    ctx.fillStyle=col;
    if(C.kind==='grid'){
      ctx.beginPath();
      groups[col].forEach(function(i){ctx.rect(C.ixs[i]-0.03,C.iys[i]-0.03,1.06,1.06);});
      ctx.fill();
    }else{groups[col].forEach(function(i){ctx.fill(unitPaths[i]);});}
  });
}
function cellAt(cx,cy){
  if(!C){return -1;}
  var p=toMap(cx,cy);
  if(C.kind==='grid'){
    var A=C.affine, det=A[0]*A[3]-A[1]*A[2], x=p.x-A[4], y=p.y-A[5];
    var gx=Math.floor((A[3]*x-A[2]*y)/det), gy=Math.floor((-A[1]*x+A[0]*y)/det);
    var c=cellKey[gx*65536+gy];return c===undefined?-1:c;
  }
  var ctx=canvas.getContext('2d'), t=canvasMatrix();
  ctx.setTransform(t.m[0],t.m[1],t.m[2],t.m[3],t.m[4],t.m[5]);
  var px=(cx-t.r.left)*t.dpr, py=(cy-t.r.top)*t.dpr;
  for(var i=0;i<unitPaths.length;i++){if(ctx.isPointInPath(unitPaths[i],px,py)){return i;}}
  return -1;
}
window.addEventListener('resize',drawCells);

// --- facilities ----------------------------------------------------------------------
var F=D.facilities||null;
function facilityLegend(){
  flegend.textContent='';
  if(!F||(ftog&&!ftog.checked)){return;}
  flegend.appendChild(el('h3',{},'Einrichtungen'));
  F.kinds.forEach(function(k){
    var n=k.count.reduce(function(a,b){return a+b;},0);
    var r=el('div',{'class':'row'});
    r.appendChild(el('span',{'class':'dot',style:'background:'+k.color}));
    r.appendChild(el('span',{},k.plural+' ('+n+')'));
    flegend.appendChild(r);
  });
}
if(ftog){ftog.addEventListener('change',function(){
  document.getElementById('facilities').style.display=ftog.checked?'':'none';
  facilityLegend();});}
facilityLegend();

// --- tooltip -------------------------------------------------------------------------
function attr(target,name){
  var i=target&&target.getAttribute&&target.getAttribute(name);
  return (i===null||i===undefined||i==='')?-1:Number(i);
}
function indexOf(target){return attr(target,'data-i');}
function hit(e){
  var f=attr(e.target,'data-f');
  if(f>=0){return {kind:'f',i:f};}
  if(lvl==='sr'){var i=indexOf(e.target);return i<0?null:{kind:'sr',i:i};}
  if(lvl==='gem'){var m=attr(e.target,'data-m');return m<0?null:{kind:'gem',i:m};}
  var c=cellAt(e.clientX,e.clientY);return c<0?null:{kind:'cell',i:c};
}
function describe(h){
  var b=el('span');
  if(h.kind==='f'){
    var k=F.kinds[F.points[h.i][2]];
    b.appendChild(el('b',{},k.label));b.appendChild(document.createTextNode(': '+F.names[h.i]));
    return b;
  }
  var name=h.kind==='gem'?D.munis[h.i].name:h.kind==='cell'?
    (C.kind==='grid'?'Zelle in ':'Baublock in ')+(D.spaces[cellSr[h.i]]||{name:'?'}).name:
    D.spaces[h.i].name;
  b.appendChild(el('b',{},name));
  b.appendChild(document.createTextNode(': '+valueText(cur,h.i)));
  return b;
}
function showTip(e){
  var h=hit(e);
  if(!h){tip.hidden=true;return;}
  tip.textContent='';tip.appendChild(describe(h));
  var box=svg.parentNode.getBoundingClientRect();
  tip.style.left=(e.clientX-box.left+14)+'px';
  tip.style.top=(e.clientY-box.top+14)+'px';
  tip.hidden=false;
}
svg.addEventListener('mouseover',showTip);
svg.addEventListener('mousemove',function(e){if(!drag){showTip(e);}});
svg.addEventListener('mouseleave',function(){tip.hidden=true;});

// --- profile -------------------------------------------------------------------------
function kv(table,k,v){
  var r=el('tr');r.appendChild(el('td',{},k));r.appendChild(el('td',{'class':'n'},v));
  table.appendChild(r);
}
function zOf(l,i,gem){return gem?(l.gem&&l.gem.z?l.gem.z[i]:null):(l.z?l.z[i]:null);}
function chart(i,gem){
  var rows=D.layers.filter(function(l){return l.kind==='number'&&l.z&&l.theme!=='Sozialindex'&&
    (!gem||l.gem);});
  var lab=190,w=400,mid=lab+(w-lab)/2,half=(w-lab)/2-14,h=16;
  var c=sv('svg',{'class':'chart',width:'100%',
    viewBox:'0 0 '+w+' '+(rows.length*h+26)});
  c.appendChild(sv('line',{x1:mid,x2:mid,y1:0,y2:rows.length*h,stroke:'#555'}));
  rows.forEach(function(l,j){
    var z=zOf(l,i,gem), y=j*h, val=gem?l.gem.values[i]:l.values[i];
    var t=sv('text',{x:lab-4,y:y+h-4,'text-anchor':'end'},
      l.label.length>34?l.label.slice(0,33)+'…':l.label);
    if(l===cur){t.setAttribute('class','cur');}
    c.appendChild(t);
    if(z!==null&&z!==undefined){
      var len=Math.min(Math.abs(z),3)/3*half;
      c.appendChild(sv('rect',{x:z<0?mid-len:mid,y:y+3,width:Math.max(len,0.5),height:h-6,
        fill:z<0?'#4a7fb0':'#e34a33'},''));
      c.lastChild.appendChild(sv('title',{},l.label+': '+fmt(l,val)+' (Kreis '+
        fmt(l,l.county)+'), z = '+num(z,2)));
    }
  });
  [-3,-1.5,0,1.5,3].forEach(function(z){
    c.appendChild(sv('text',{x:mid+z/3*half,y:rows.length*h+12,'text-anchor':'middle'},
      num(z,1)));
  });
  c.appendChild(sv('text',{x:mid,y:rows.length*h+24,'text-anchor':'middle'},
    'z-Wert (0 = Durchschnitt der '+(gem?'Gemeinden':'Sozialräume')+')'));
  return c;
}
function valuesTable(i,gem){
  var v=el('table',{'class':'values'}), head=el('tr');
  [ 'Indikator',gem?'Gemeinde':'Sozialraum','Kreis'].forEach(function(h){
    head.appendChild(el('th',{},h));});
  v.appendChild(head);
  D.layers.forEach(function(l){
    if(l.kind!=='number'||l.theme==='Sozialindex'||(gem&&!l.gem)){return;}
    var r=el('tr');r.appendChild(el('td',{},l.label));
    r.appendChild(el('td',{'class':'n'},fmt(l,gem?l.gem.values[i]:l.values[i])));
    r.appendChild(el('td',{'class':'n'},fmt(l,l.county)));
    v.appendChild(r);
  });
  return v;
}
var opened=null;
function mark(list,i){
  document.querySelectorAll('.sel').forEach(function(p){p.classList.remove('sel');});
  if(list&&list[i]){list[i].classList.add('sel');list[i].parentNode.appendChild(list[i]);}
}
function openProfile(i,cell){
  var s=D.spaces[i];
  selected=i;opened={kind:'sr',i:i,cell:cell};
  mark(lvl==='sr'?paths:null,i);
  body.textContent='';
  body.appendChild(el('h2',{},s.name));
  body.appendChild(el('div',{'class':'hint'},s.id));
  var t=el('table');
  kv(t,'Einwohner',num(s.einwohner,0));
  kv(t,'Fläche (km²)',num(s.flaeche,1));
  if(s.gemeinden){kv(t,'Gemeinden',s.gemeinden);}
  var st=byKey.status_class;
  kv(t,'Sozialindex',num(s.index,2)+(st&&st.classes[i]?' – '+st.names[st.classes[i]-1]:''));
  var ty=byKey.typ;
  if(ty&&ty.classes[i]){kv(t,'Typ',ty.names[ty.classes[i]-1]);}
  if(cur&&cur.kind==='number'){
    kv(t,cur.label,fmt(cur,cur.values[i])+(cur.county!==null?' (Kreis '+fmt(cur,cur.county)+')':'')+
      (cur.rank&&cur.rank[i]!==null?', Rang '+cur.rank[i]+' von '+D.spaces.length+
      ' (1 = höchster Wert)':''));
    if(cell!==undefined&&cell>=0){kv(t,'Gewählte '+(C.kind==='grid'?'Zelle':'Einheit'),
      fmt(cur,viewOf(cur).values[cell]));}
    D.compare.forEach(function(r){
      var c=r.changes[cur.key];
      if(c){kv(t,'Veränderung seit '+r.date,c.delta[i]===null?'kein Vergleich (Kennung neu)':
        signed(cur,c.delta[i])+' (damals '+fmt(cur,c.before[i])+')');}
    });
  }
  if(F){
    F.kinds.forEach(function(k){
      kv(t,k.plural,String(k.count[i])+(k.rate&&k.rate[i]!==null?' ('+num(k.rate[i],1)+
        ' je 1.000 '+k.target+')':''));
    });
  }
  body.appendChild(t);
  body.appendChild(el('h3',{},'Indikatoren gegenüber dem Kreis'));
  body.appendChild(chart(i,false));
  body.appendChild(valuesTable(i,false));
  panel.hidden=false;
  panel.setAttribute('data-sr',s.id);
  panel.setAttribute('data-level','sr');
}
function openMuni(m){
  var g=D.munis[m];
  selected=m;opened={kind:'gem',i:m};
  mark(mpaths,m);
  body.textContent='';
  body.appendChild(el('h2',{},g.name));
  body.appendChild(el('div',{'class':'hint'},'Gemeinde, AGS '+g.id));
  var t=el('table');
  kv(t,'Einwohner',num(g.einwohner,0));
  if(cur&&cur.gem){kv(t,cur.label,fmt(cur,cur.gem.values[m])+
    (cur.county!==null?' (Kreis '+fmt(cur,cur.county)+')':''));}
  body.appendChild(t);
  body.appendChild(el('h3',{},'Indikatoren gegenüber dem Kreis'));
  body.appendChild(chart(m,true));
  body.appendChild(valuesTable(m,true));
  panel.hidden=false;
  panel.setAttribute('data-sr',g.id);
  panel.setAttribute('data-level','gem');
}
function reopen(){
  if(!opened){return;}
  if(opened.kind==='gem'){openMuni(opened.i);}else{openProfile(opened.i,opened.cell);}
}
function closeProfile(){
  panel.hidden=true;mark(null,-1);selected=-1;opened=null;
}
document.getElementById('close').addEventListener('click',closeProfile);

// --- zoom and pan --------------------------------------------------------------------
var full=svg.getAttribute('viewBox').split(' ').map(Number), vb=full.slice();
var drag=null, dragged=false;
function setBox(){
  svg.setAttribute('viewBox',vb.map(function(x){return x.toFixed(1);}).join(' '));drawCells();
}
function toMap(cx,cy){
  var p=svg.createSVGPoint();p.x=cx;p.y=cy;
  return p.matrixTransform(svg.getScreenCTM().inverse());
}
svg.addEventListener('wheel',function(e){
  e.preventDefault();
  var f=e.deltaY<0?0.8:1.25, p=toMap(e.clientX,e.clientY);
  var w=Math.min(Math.max(vb[2]*f,full[2]/40),full[2]*2), k=w/vb[2];
  vb=[p.x-(p.x-vb[0])*k,p.y-(p.y-vb[1])*k,vb[2]*k,vb[3]*k];setBox();
},{passive:false});
svg.addEventListener('mousedown',function(e){drag={x:e.clientX,y:e.clientY,vb:vb.slice()};dragged=false;});
window.addEventListener('mousemove',function(e){
  if(!drag){return;}
  var dx=e.clientX-drag.x, dy=e.clientY-drag.y;
  if(Math.abs(dx)+Math.abs(dy)>4){dragged=true;}
  if(!dragged){return;}
  var m=svg.getScreenCTM(), k=1/m.a;
  vb=[drag.vb[0]-dx*k,drag.vb[1]-dy*k,vb[2],vb[3]];setBox();tip.hidden=true;
});
window.addEventListener('mouseup',function(){drag=null;});
document.getElementById('reset').addEventListener('click',function(){vb=full.slice();setBox();});
svg.addEventListener('click',function(e){
  if(dragged){dragged=false;return;}
  var h=hit(e);
  if(!h){return;}
  if(h.kind==='f'){var sr=F.points[h.i][3];if(sr>=0){openProfile(sr);}return;}
  if(h.kind==='gem'){openMuni(h.i);}
  else if(h.kind==='cell'){if(cellSr[h.i]<D.spaces.length){openProfile(cellSr[h.i],h.i);}}
  else{openProfile(h.i);}
});

// --- search --------------------------------------------------------------------------
function norm(s){return s.toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g,'');}
function find(q){
  q=norm(q.trim());
  paths.forEach(function(p){p.classList.remove('hit');});
  if(q.length<2){info.textContent='';return [];}
  var exact=[],part=[];
  D.spaces.forEach(function(s,i){
    var n=norm(s.name), id=norm(s.id);
    if(n===q||id===q){exact.push(i);}else if(n.indexOf(q)>=0||id.indexOf(q)>=0){part.push(i);}
  });
  var hits=exact.length?exact:part;
  hits.forEach(function(i){paths[i].classList.add('hit');});
  info.textContent=hits.length?(hits.length===1?'1 Treffer':hits.length+' Treffer'):
    'kein Sozialraum gefunden';
  return hits;
}
function go(hits){if(lvl!=='sr'){setLevel('sr');}openProfile(hits[0]);}
search.addEventListener('input',function(){
  var hits=find(search.value);if(hits.length===1){go(hits);}
});
search.addEventListener('keydown',function(e){
  if(e.key==='Enter'){var hits=find(search.value);if(hits.length){go(hits);}}
});

// --- start ---------------------------------------------------------------------------
var q=new URLSearchParams(window.location.search);
cur=byKey[q.get('ind')]||byKey.status_class||D.layers[0];
if(q.get('cmp')&&csel){cmp=Math.min(Number(q.get('cmp'))||0,D.compare.length);csel.value=cmp;}
setLevel(q.get('level')||'sr');
setLayer(q.get('ind')||(byKey.status_class?'status_class':D.layers[0]&&D.layers[0].key));
if(q.get('sr')){
  D.spaces.forEach(function(s,i){if(s.id===q.get('sr')){openProfile(i);}});
}
document.body.setAttribute('data-ready-ms',String(Math.round(performance.now())));
if(q.has('selftest')){  // after load: failed loads of resources are reported by then
  if(document.readyState==='complete'){selftest();}
  else{window.addEventListener('load',selftest);}
}
"""

#: The whole script: the page, then its self-test (inside the same closure).
JS = _MAIN + SELFTEST_JS + "})();\n"
