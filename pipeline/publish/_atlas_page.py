"""The atlas page's stylesheet and script, inlined by :mod:`pipeline.publish.atlas`.

Plain CSS and JavaScript of our own (no library): the page works offline from one file.
"""

__all__ = ["CSS", "ERRORS_JS", "JS"]

CSS = """
*{box-sizing:border-box}
html,body{margin:0;height:100%}
body{font-family:system-ui,Segoe UI,Helvetica,Arial,sans-serif;color:#222;background:#fff;
display:flex;flex-direction:column}
header{background:#22435e;color:#fff;padding:.5em 1.2em;display:flex;align-items:baseline;
gap:1em}
header h1{font-size:1.3em;margin:0}
#app{flex:1;display:flex;min-height:0}
aside{width:300px;padding:.8em 1em;border-right:1px solid #ddd;overflow-y:auto;
font-size:.9em}
aside label{display:block;font-weight:600;margin:.8em 0 .25em}
aside select,aside input{width:100%;font-size:1em;padding:.25em}
#search-info{font-size:.85em;color:#555;min-height:1.2em;margin-top:.2em}
.hint{font-size:.8em;color:#555}
#legend{margin-top:1em}
#legend h3{font-size:1em;margin:.2em 0}
#legend .row{display:flex;align-items:center;gap:.5em;margin:.15em 0}
#legend .sw{width:1.4em;height:1em;border:1px solid #999;flex:none}
#legend .county{margin-top:.5em;font-weight:600}
main{flex:1;position:relative;min-width:0;background:#f4f6f8}
#map{width:100%;height:100%;display:block;cursor:grab}
#spaces path{stroke:#fff;stroke-width:.6;stroke-linejoin:round;fill-rule:evenodd}
#spaces path:hover{stroke:#222;stroke-width:1.2}
#spaces path.hit{stroke:#0050d0;stroke-width:2.2}
#spaces path.sel{stroke:#000;stroke-width:2.4}
#municipalities path{fill:none;stroke:#333;stroke-width:1.1;pointer-events:none}
#county{fill:none;stroke:#000;stroke-width:1.8;pointer-events:none}
#municipality-names text{font-size:13px;text-anchor:middle;fill:#111;stroke:#fff;
stroke-width:3px;paint-order:stroke;pointer-events:none;font-weight:600}
#tip{position:absolute;pointer-events:none;background:rgba(255,255,255,.95);
border:1px solid #888;padding:.3em .5em;font-size:.85em;border-radius:3px;
box-shadow:0 1px 4px rgba(0,0,0,.2);white-space:nowrap}
#profile{position:absolute;top:0;right:0;bottom:0;width:440px;max-width:100%;
background:#fff;border-left:1px solid #ccc;overflow-y:auto;padding:.6em 1em;
box-shadow:-2px 0 8px rgba(0,0,0,.15);font-size:.88em}
#profile h2{margin:.2em 1.5em .2em 0;font-size:1.2em}
#close{position:absolute;top:.4em;right:.5em;font-size:1.3em;border:0;background:none;
cursor:pointer}
#profile table{border-collapse:collapse;width:100%;table-layout:fixed}
#profile td,#profile th{padding:.15em .3em;border-bottom:1px solid #eee;
overflow-wrap:anywhere;vertical-align:top}
#profile tr>:first-child{width:48%;text-align:left}
#profile td.n{text-align:right;font-variant-numeric:tabular-nums}
#profile th{text-align:right}
#profile .chart text{font-size:10px}
#profile .chart .cur{font-weight:700}
.badge{display:inline-block;padding:0 .5em;border-radius:.6em;color:#fff}
"""

#: Installed in <head> before anything else: collects errors for the self-test.
ERRORS_JS = """
window.__atlasErrors=[];
window.addEventListener('error',function(e){window.__atlasErrors.push(String(e.message||
(e.target&&(e.target.src||e.target.href))||'error'));},true);
window.addEventListener('unhandledrejection',function(e){window.__atlasErrors.push(
'unhandled rejection: '+String(e.reason));});
(function(){var orig=console.error;console.error=function(){window.__atlasErrors.push(
Array.prototype.join.call(arguments,' '));return orig.apply(console,arguments);};})();
"""

JS = r"""
(function(){
'use strict';
var D=JSON.parse(document.getElementById('atlas-data').textContent);
var svg=document.getElementById('map');
var paths=Array.prototype.slice.call(document.querySelectorAll('#spaces path'));
var sel=document.getElementById('indicator');
var legend=document.getElementById('legend');
var tip=document.getElementById('tip');
var panel=document.getElementById('profile');
var body=document.getElementById('profile-body');
var search=document.getElementById('search');
var info=document.getElementById('search-info');
var NS='http://www.w3.org/2000/svg';
var byKey={};D.layers.forEach(function(l){byKey[l.key]=l;});
var cur=null, selected=-1;

function num(x,d){
  if(x===null||x===undefined||!isFinite(x)){return '–';}
  var s=Math.abs(x).toFixed(d), p=s.split('.');
  p[0]=p[0].replace(/\B(?=(\d{3})+(?!\d))/g,'\u202f');
  return (x<0&&Number(s)!==0?'-':'')+p.join(',');
}
function fmt(l,v){
  if(v===null||v===undefined){return '–';}
  return num(v,l.digits)+(l.suffix?(l.suffix==='%'?' %':' '+l.suffix):'');
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
function classOf(l,v){
  var k=0;for(var j=0;j<l.breaks.length;j++){if(v>=l.breaks[j]){k=j+1;}}
  return k;
}
function colorOf(l,i){
  if(l.kind==='category'){
    var s=l.classes[i];
    return s?l.colors[s-1]:D.missing;
  }
  var v=l.values[i];
  return (v===null)?D.missing:l.colors[classOf(l,v)];
}
function valueText(l,i){
  if(l.kind==='category'){
    var s=l.classes[i];return s?l.names[s-1]:l.none;
  }
  return fmt(l,l.values[i]);
}
function row(color,text){
  var r=el('div',{'class':'row'});
  r.appendChild(el('span',{'class':'sw',style:'background:'+color}));
  r.appendChild(el('span',{},text));
  return r;
}
function drawLegend(l){
  legend.textContent='';
  legend.appendChild(el('h3',{},l.label));
  if(l.kind==='category'){
    l.names.forEach(function(n,j){legend.appendChild(row(l.colors[j],n));});
    if(l.classes.some(function(s){return !s;})){legend.appendChild(row(D.missing,l.none));}
    return;
  }
  if(l.unit){legend.appendChild(el('div',{'class':'hint'},'Einheit: '+l.unit+
    '; Klassen: Quantile der Sozialräume'));}
  var lo=l.min;
  for(var j=0;j<l.colors.length;j++){
    var hi=(j<l.breaks.length)?l.breaks[j]:l.max;
    legend.appendChild(row(l.colors[j],
      (lo===null?'–':num(lo,l.digits))+' bis '+(hi===null?'–':fmt(l,hi))));
    lo=hi;
  }
  if(l.values.some(function(v){return v===null;})){
    legend.appendChild(row(D.missing,'keine Angabe'));}
  if(l.county!==null){
    legend.appendChild(el('div',{'class':'county'},'Kreiswert: '+fmt(l,l.county)));
  }
}
function setLayer(key){
  cur=byKey[key]||D.layers[0];
  if(!cur){return;}
  sel.value=cur.key;
  paths.forEach(function(p,i){p.setAttribute('fill',colorOf(cur,i));});
  drawLegend(cur);
  if(selected>=0){openProfile(selected);}
}
sel.addEventListener('change',function(){setLayer(sel.value);});

// --- tooltip -------------------------------------------------------------------------
function indexOf(target){
  var i=target&&target.getAttribute&&target.getAttribute('data-i');
  return (i===null||i===undefined||i==='')?-1:Number(i);
}
function showTip(e){
  var i=indexOf(e.target);
  if(i<0){tip.hidden=true;return;}
  tip.textContent='';
  tip.appendChild(el('b',{},D.spaces[i].name));
  tip.appendChild(document.createTextNode(': '+valueText(cur,i)));
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
function chart(i){
  var rows=D.layers.filter(function(l){return l.kind==='number'&&l.z&&l.theme!=='Sozialindex';});
  var lab=190,w=400,mid=lab+(w-lab)/2,half=(w-lab)/2-14,h=16;
  var c=sv('svg',{'class':'chart',width:'100%',
    viewBox:'0 0 '+w+' '+(rows.length*h+26)});
  c.appendChild(sv('line',{x1:mid,x2:mid,y1:0,y2:rows.length*h,stroke:'#555'}));
  rows.forEach(function(l,j){
    var z=l.z[i], y=j*h;
    var t=sv('text',{x:lab-4,y:y+h-4,'text-anchor':'end'},
      l.label.length>34?l.label.slice(0,33)+'…':l.label);
    if(l===cur){t.setAttribute('class','cur');}
    c.appendChild(t);
    if(z!==null){
      var len=Math.min(Math.abs(z),3)/3*half;
      c.appendChild(sv('rect',{x:z<0?mid-len:mid,y:y+3,width:Math.max(len,0.5),height:h-6,
        fill:z<0?'#4a7fb0':'#e34a33'},''));
      var title=sv('title',{},l.label+': '+fmt(l,l.values[i])+' (Kreis '+fmt(l,l.county)+
        '), z = '+num(z,2));
      c.lastChild.appendChild(title);
    }
  });
  [-3,-1.5,0,1.5,3].forEach(function(z){
    c.appendChild(sv('text',{x:mid+z/3*half,y:rows.length*h+12,'text-anchor':'middle'},
      num(z,1)));
  });
  c.appendChild(sv('text',{x:mid,y:rows.length*h+24,'text-anchor':'middle'},
    'z-Wert (0 = Durchschnitt der Sozialräume)'));
  return c;
}
function openProfile(i){
  var s=D.spaces[i];
  if(selected>=0){paths[selected].classList.remove('sel');}
  selected=i;paths[i].classList.add('sel');
  paths[i].parentNode.appendChild(paths[i]);
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
      (cur.rank&&cur.rank[i]!==null?', Rang '+cur.rank[i]+' von '+D.spaces.length:''));
  }
  body.appendChild(t);
  body.appendChild(el('h3',{},'Indikatoren gegenüber dem Kreis'));
  body.appendChild(chart(i));
  var v=el('table',{'class':'values'});
  var head=el('tr');['Indikator','Sozialraum','Kreis'].forEach(function(h){
    head.appendChild(el('th',{},h));});
  v.appendChild(head);
  D.layers.forEach(function(l){
    if(l.kind!=='number'||l.theme==='Sozialindex'){return;}
    var r=el('tr');r.appendChild(el('td',{},l.label));
    r.appendChild(el('td',{'class':'n'},fmt(l,l.values[i])));
    r.appendChild(el('td',{'class':'n'},fmt(l,l.county)));
    v.appendChild(r);
  });
  body.appendChild(v);
  panel.hidden=false;
  panel.setAttribute('data-sr',s.id);
}
document.getElementById('close').addEventListener('click',function(){
  panel.hidden=true;
  if(selected>=0){paths[selected].classList.remove('sel');selected=-1;}
});

// --- zoom and pan --------------------------------------------------------------------
var full=svg.getAttribute('viewBox').split(' ').map(Number), vb=full.slice();
var drag=null, dragged=false;
function setBox(){svg.setAttribute('viewBox',vb.map(function(x){return x.toFixed(1);}).join(' '));}
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
  var i=indexOf(e.target);
  if(i>=0){openProfile(i);}
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
search.addEventListener('input',function(){
  var hits=find(search.value);if(hits.length===1){openProfile(hits[0]);}
});
search.addEventListener('keydown',function(e){
  if(e.key==='Enter'){var hits=find(search.value);if(hits.length){openProfile(hits[0]);}}
});

// --- start ---------------------------------------------------------------------------
var q=new URLSearchParams(window.location.search);
setLayer(q.get('ind')||(byKey.status_class?'status_class':D.layers[0]&&D.layers[0].key));
if(q.get('sr')){
  D.spaces.forEach(function(s,i){if(s.id===q.get('sr')){openProfile(i);}});
}
if(q.has('selftest')){  // after load: failed loads of resources are reported by then
  if(document.readyState==='complete'){selftest();}
  else{window.addEventListener('load',selftest);}
}

function fills(){return paths.map(function(p){return p.getAttribute('fill');});}
function selftest(){
  var out={};
  try{
    var before=fills(), first=sel.value;
    var opts=Array.prototype.slice.call(sel.options).map(function(o){return o.value;});
    out.options=opts;
    var changes=[];
    opts.forEach(function(key){
      sel.value=key;sel.dispatchEvent(new Event('change',{bubbles:true}));
      changes.push({key:key,fills:fills(),legend:legend.textContent});
    });
    out.layers=changes;
    sel.value=first;sel.dispatchEvent(new Event('change',{bubbles:true}));
    out.first=first;
    out.fills_before=before;
    // a click where a social space is drawn, found by hit testing as a mouse would
    var m=svg.getScreenCTM(), clicked=-1;
    for(var i=0;i<D.spaces.length&&clicked<0;i++){
      var p=svg.createSVGPoint();p.x=D.spaces[i].pt[0];p.y=D.spaces[i].pt[1];
      var c=p.matrixTransform(m), target=document.elementFromPoint(c.x,c.y);
      if(target&&indexOf(target)===i){
        var opt={bubbles:true,clientX:c.x,clientY:c.y,view:window};
        target.dispatchEvent(new MouseEvent('mouseover',opt));
        out.tooltip=tip.hidden?null:tip.textContent;
        target.dispatchEvent(new MouseEvent('mousedown',opt));
        target.dispatchEvent(new MouseEvent('mouseup',opt));
        target.dispatchEvent(new MouseEvent('click',opt));
        clicked=i;
      }
    }
    out.clicked=clicked<0?null:D.spaces[clicked].id;
    out.profile=panel.hidden?null:{sr:panel.getAttribute('data-sr'),
      title:body.querySelector('h2').textContent,
      bars:body.querySelectorAll('.chart rect').length,text:body.textContent};
    document.getElementById('close').click();
    out.closed=panel.hidden;
    var k=D.spaces.length-1;
    search.value=D.spaces[k].name;search.dispatchEvent(new Event('input',{bubbles:true}));
    out.search={name:D.spaces[k].name,hits:paths.filter(function(p){
      return p.classList.contains('hit');}).map(function(p){return D.spaces[indexOf(p)].id;}),
      profile:panel.hidden?null:panel.getAttribute('data-sr')};
  }catch(err){out.exception=String(err&&err.stack||err);}
  out.errors=window.__atlasErrors.slice();
  var res=document.getElementById('selftest-result');
  res.textContent=JSON.stringify(out);
  document.body.setAttribute('data-selftest','done');
}
})();
"""
