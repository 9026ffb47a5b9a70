"""The atlas page's stylesheet and script, inlined by :mod:`pipeline.publish.atlas`.

Plain CSS and JavaScript of our own (no library): the page works offline from one file.
"""

from pipeline.publish._atlas_script import JS

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
main{flex:1;position:relative;min-width:0;overflow:hidden;background:#f4f6f8}
#map{width:100%;height:100%;display:block;cursor:grab}
#spaces path{stroke:#fff;stroke-width:.6;stroke-linejoin:round;fill-rule:evenodd}
#spaces path:hover{stroke:#222;stroke-width:1.2}
#spaces path.hit{stroke:#0050d0;stroke-width:2.2}
#spaces path.sel{stroke:#000;stroke-width:2.4}
#municipalities path{stroke:#333;stroke-width:1.1;pointer-events:none}
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
#cells{position:absolute;left:0;top:0;width:100%;height:100%;display:block}
#cells[hidden]{display:none}
#map{position:relative}
#map.lv-gem #spaces,#map.lv-cell #spaces{display:none}
#map:not(.lv-gem) #municipalities path{fill:none}
#map.lv-gem #municipalities path{pointer-events:auto;stroke:#fff;stroke-width:1.2}
#map.lv-gem #municipalities path:hover{stroke:#222}
#map.lv-gem #municipalities path.sel{stroke:#000;stroke-width:2.4}
#map.lv-cell #municipalities path{stroke:#222;stroke-width:.9}
#facilities circle{stroke:#fff;stroke-width:1;cursor:help}
#legend .dot,#facility-legend .dot{width:.8em;height:.8em;border-radius:50%;border:1px solid #fff;
box-shadow:0 0 0 1px #999;flex:none}
#facility-legend{margin-top:.8em}
#facility-legend h3{font-size:1em;margin:.2em 0}
#facility-legend .row{display:flex;align-items:center;gap:.5em;margin:.15em 0}
aside label.check{font-weight:400;display:flex;gap:.4em;align-items:center}
aside label.check input{width:auto}
option:disabled{color:#aaa}
"""

#: Installed in <head> before anything else: collects errors for the self-test.
ERRORS_JS = """
window.__atlasErrors=[];
window.addEventListener('error',function(e){window.__atlasErrors.push(String(e.message||
(e.target&&(e.target.src||e.target.href))||'error'));},true);
document.addEventListener('securitypolicyviolation',function(e){window.__atlasErrors.push(
'blocked by the content security policy: '+e.blockedURI);});
window.addEventListener('unhandledrejection',function(e){window.__atlasErrors.push(
'unhandled rejection: '+String(e.reason));});
(function(){var orig=console.error;console.error=function(){window.__atlasErrors.push(
Array.prototype.join.call(arguments,' '));return orig.apply(console,arguments);};})();
"""
