// Live reload for `digest serve` (served at /__digest/live.js, linked from
// every page only in serve mode). It listens to the server's events: reload
// the page when pages changed, swap stylesheets in place when only CSS
// changed, and show an overlay with the build's problems while the last
// build is broken. Messages are put in with textContent, never as HTML.
(function () {
  'use strict';
  if (window.__digestLive) { return; }
  window.__digestLive = true;

  var OVERLAY_ID = '__digest_overlay';
  var generation = null;

  function hideOverlay() {
    var old = document.getElementById(OVERLAY_ID);
    if (old) { old.remove(); }
  }

  function showOverlay(problems) {
    hideOverlay();
    var box = document.createElement('div');
    box.id = OVERLAY_ID;
    box.setAttribute('role', 'alert');
    box.style.cssText = [
      'position:fixed', 'inset:0', 'z-index:2147483647', 'overflow:auto',
      'background:rgba(20,20,24,0.94)', 'color:#f4f4f4',
      'font:14px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace',
      'padding:2rem'
    ].join(';');
    var heading = document.createElement('h1');
    heading.textContent = 'digest: the last build failed';
    heading.style.cssText = 'font-size:18px;margin:0 0 .5rem;color:#ff8a80';
    box.appendChild(heading);
    var note = document.createElement('p');
    note.textContent = 'The last good site is still served. Fix the file and this page updates by itself.';
    note.style.cssText = 'margin:0 0 1.5rem;color:#bbb';
    box.appendChild(note);
    problems.forEach(function (problem) {
      var item = document.createElement('div');
      item.className = '__digest_problem';
      item.style.cssText = 'margin:0 0 1rem;padding:.75rem 1rem;border-left:4px solid #ff8a80;background:#2a2a30';
      var where = document.createElement('div');
      where.className = '__digest_where';
      where.style.cssText = 'color:#ffd180';
      where.textContent = problem.line ? problem.path + ':' + problem.line : problem.path;
      var message = document.createElement('div');
      message.className = '__digest_message';
      message.style.cssText = 'white-space:pre-wrap';
      message.textContent = problem.message;
      item.appendChild(where);
      item.appendChild(message);
      box.appendChild(item);
    });
    (document.body || document.documentElement).appendChild(box);
  }

  function swapStylesheets(paths) {
    var links = document.querySelectorAll('link[rel~="stylesheet"]');
    Array.prototype.forEach.call(links, function (link) {
      var url = new URL(link.href, location.href);
      if (url.origin !== location.origin) { return; }
      if (paths.length && paths.indexOf(url.pathname) < 0) { return; }
      url.searchParams.set('__digest', String(Date.now()));
      // The new sheet is added next to the old one and the old one removed
      // once the new one has loaded, so the page never shows unstyled.
      var fresh = link.cloneNode();
      fresh.href = url.href;
      fresh.addEventListener('load', function () { link.remove(); });
      fresh.addEventListener('error', function () { link.remove(); });
      link.parentNode.insertBefore(fresh, link.nextSibling);
    });
  }

  function parse(event) {
    try { return JSON.parse(event.data); } catch (err) { return {}; }
  }

  var source = new EventSource('/__digest/events');
  source.addEventListener('hello', function (event) {
    var data = parse(event);
    // A tab that reconnects after missing a build reloads to catch up.
    if (generation !== null && data.generation !== generation) {
      location.reload();
      return;
    }
    generation = data.generation;
    // Tells tests (and the curious) that the page is listening.
    document.documentElement.setAttribute('data-digest-live', 'connected');
    if (data.problems && data.problems.length) {
      showOverlay(data.problems);
    } else {
      hideOverlay();
    }
  });
  source.addEventListener('reload', function () {
    location.reload();
  });
  source.addEventListener('css', function (event) {
    var data = parse(event);
    generation = data.generation;
    hideOverlay();
    swapStylesheets(data.paths || []);
  });
  source.addEventListener('broken', function (event) {
    showOverlay(parse(event).problems || []);
  });
  source.addEventListener('fixed', function (event) {
    generation = parse(event).generation;
    hideOverlay();
  });
}());
