"""The atlas page's self-test (``?selftest``), appended inside the page script's closure.

It drives the page as a user would (``change`` events on the selects, hit-tested mouse
events at points where a space, a municipality or a cell is drawn), records what is drawn
(fills of the paths, canvas pixels at cell centres, legends, the profile) and the errors
the page caught, and writes the result as JSON into ``#selftest-result`` for the tests,
which read it with ``chromium --dump-dom``.
"""

__all__ = ["SELFTEST_JS"]

SELFTEST_JS = r"""
function change(element,value){
  element.value=value;element.dispatchEvent(new Event('change',{bubbles:true}));
}
function pixels(){  // colours of the canvas at the centre of the first cells (cell level)
  if(!C||canvas.hidden||C.kind!=='grid'){return null;}
  var ctx=canvas.getContext('2d'), t=canvasMatrix(), A=C.affine, out=[];
  for(var i=0;i<Math.min(C.n,400);i+=7){
    var gx=C.ixs[i]+0.5, gy=C.iys[i]+0.5, x=A[0]*gx+A[2]*gy+A[4], y=A[1]*gx+A[3]*gy+A[5];
    var px=t.m[0]*x+t.m[2]*y+t.m[4], py=t.m[1]*x+t.m[3]*y+t.m[5];
    var d=ctx.getImageData(Math.floor(px),Math.floor(py),1,1).data;
    out.push([i,'#'+[d[0],d[1],d[2]].map(function(c){
      return (c<16?'0':'')+c.toString(16);}).join('')]);
  }
  return out;
}
function clickAt(target,x,y){
  var opt={bubbles:true,clientX:x,clientY:y,view:window};
  target.dispatchEvent(new MouseEvent('mouseover',opt));
  var text=tip.hidden?null:tip.textContent;
  target.dispatchEvent(new MouseEvent('mousedown',opt));
  target.dispatchEvent(new MouseEvent('mouseup',opt));
  target.dispatchEvent(new MouseEvent('click',opt));
  return text;
}
function profileState(){
  return panel.hidden?null:{sr:panel.getAttribute('data-sr'),
    level:panel.getAttribute('data-level'),title:body.querySelector('h2').textContent,
    bars:body.querySelectorAll('.chart rect').length,text:body.textContent};
}
function selftest(){
  var out={};
  try{
    var before=fills(), first=sel.value;
    var opts=Array.prototype.slice.call(sel.options).map(function(o){return o.value;});
    out.options=opts;
    var changes=[];
    opts.forEach(function(key){
      change(sel,key);changes.push({key:key,fills:fills(),legend:legend.textContent});
    });
    out.layers=changes;
    change(sel,first);
    out.first=first;
    out.fills_before=before;
    // a click where a social space is drawn, found by hit testing as a mouse would
    var m=svg.getScreenCTM(), clicked=-1;
    for(var i=0;i<D.spaces.length&&clicked<0;i++){
      var p=svg.createSVGPoint();p.x=D.spaces[i].pt[0];p.y=D.spaces[i].pt[1];
      var c=p.matrixTransform(m), target=document.elementFromPoint(c.x,c.y);
      if(target&&indexOf(target)===i){out.tooltip=clickAt(target,c.x,c.y);clicked=i;}
    }
    out.clicked=clicked<0?null:D.spaces[clicked].id;
    out.profile=profileState();
    document.getElementById('close').click();
    out.closed=panel.hidden;
    var k=D.spaces.length-1;
    search.value=D.spaces[k].name;search.dispatchEvent(new Event('input',{bubbles:true}));
    out.search={name:D.spaces[k].name,hits:paths.filter(function(p){
      return p.classList.contains('hit');}).map(function(p){return D.spaces[indexOf(p)].id;}),
      profile:panel.hidden?null:panel.getAttribute('data-sr')};
    closeProfile();search.value='';find('');
    // levels: what is drawn at each, two indicators each, and a click
    out.levels={};
    D.levels.forEach(function(lv){
      change(lsel,lv.key);
      var usable=opts.filter(function(o){return available(byKey[o],lv.key)&&
        byKey[o].kind==='number'&&byKey[o].theme!=='Sozialindex';}).slice(0,2);
      var r={spaces_shown:getComputedStyle(document.getElementById('spaces')).display!=='none',
        canvas_shown:!canvas.hidden,options:usable,draws:[]};
      usable.forEach(function(o){
        change(sel,o);
        r.draws.push({key:o,fills:fills(),pixels:pixels(),legend:legend.textContent});
      });
      var box=svg.getBoundingClientRect(), target=null, at=null;
      if(lv.key==='gem'){
        for(var j=0;j<mpaths.length&&!target;j++){
          var b=mpaths[j].getBoundingClientRect(), x=b.left+b.width/2, y=b.top+b.height/2;
          var t=document.elementFromPoint(x,y);
          if(t&&attr(t,'data-m')===j){target=t;at=[x,y];}
        }
      }else if(lv.key==='cell'&&C&&C.kind==='grid'){
        var A=C.affine, mm=svg.getScreenCTM();
        for(var j2=0;j2<C.n&&!target;j2+=97){
          var gx=C.ixs[j2]+0.5, gy=C.iys[j2]+0.5, ux=A[0]*gx+A[2]*gy+A[4], uy=A[1]*gx+A[3]*gy+A[5];
          var pt=svg.createSVGPoint();pt.x=ux;pt.y=uy;pt=pt.matrixTransform(mm);
          pt={x:Math.round(pt.x),y:Math.round(pt.y)};  // mouse events carry whole pixels
          var t2=document.elementFromPoint(pt.x,pt.y);
          if(t2&&attr(t2,'data-f')<0&&cellAt(pt.x,pt.y)===j2){target=t2;at=[pt.x,pt.y];r.cell=j2;}
        }
      }
      else if(lv.key==='cell'&&C){  // units: the mean of a unit's vertices (convex units)
        var m2=svg.getScreenCTM();
        for(var j3=0;j3<C.n&&!target;j3+=37){
          var v=(C.paths[j3].match(/-?\d+(?:\.\d+)?/g)||[]).map(Number), sx=0, sy=0;
          for(var k3=0;k3<v.length;k3+=2){sx+=v[k3];sy+=v[k3+1];}
          var p3=svg.createSVGPoint();p3.x=2*sx/v.length;p3.y=2*sy/v.length;
          p3=p3.matrixTransform(m2);p3={x:Math.round(p3.x),y:Math.round(p3.y)};
          var t3=document.elementFromPoint(p3.x,p3.y);
          if(t3&&attr(t3,'data-f')<0&&cellAt(p3.x,p3.y)===j3){target=t3;at=[p3.x,p3.y];r.cell=j3;}
        }
      }
      if(target){r.tooltip=clickAt(target,at[0],at[1]);r.profile=profileState();}
      closeProfile();
      out.levels[lv.key]=r;
    });
    change(lsel,'sr');change(sel,first);
    if(csel){
      out.compare=[];
      var key=opts.filter(function(o){return byKey[o].kind==='number'&&
        D.compare.length&&D.compare[0].changes[o];})[0];
      if(key){
        change(sel,key);
        var now=fills();change(csel,'1');
        out.compare.push({key:key,now:now,fills:fills(),legend:legend.textContent});
        change(csel,'0');
      }
      change(sel,first);
    }
    out.facilities={dots:dots.length,legend:flegend.textContent};
    if(dots.length){  // a click on a facility opens the profile of its social space
      var fb=dots[0].getBoundingClientRect(), fx=fb.left+fb.width/2, fy=fb.top+fb.height/2;
      var ft=document.elementFromPoint(fx,fy);
      if(ft===dots[0]){out.facilities.tooltip=clickAt(ft,fx,fy);
        out.facilities.profile=profileState();closeProfile();}
    }
    if(ftog){ftog.click();out.facilities.hidden=getComputedStyle(
      document.getElementById('facilities')).display==='none';ftog.click();}
  }catch(err){out.exception=String(err&&err.stack||err);}
  out.resources=performance.getEntriesByType('resource').map(function(e){return e.name;});
  out.errors=window.__atlasErrors.slice();
  var res=document.getElementById('selftest-result');
  res.textContent=JSON.stringify(out);
  document.body.setAttribute('data-selftest','done');
}
"""
