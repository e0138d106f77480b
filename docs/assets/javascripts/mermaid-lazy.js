/* A stand-in for Mermaid that loads the bundled mermaid.min.js on first use.
 * Material for MkDocs calls mermaid.initialize(config) and then mermaid.render(id, text) for
 * each diagram on a page; pages without a diagram never fetch the bundle. */
(function () {
  "use strict";
  var src = document.currentScript.getAttribute("data-src");
  var config = {};
  var loading = null;
  function load() {
    if (loading === null) {
      loading = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = src;
        script.onload = function () {
          window.mermaid.initialize(config);
          resolve(window.mermaid);
        };
        script.onerror = reject;
        document.head.appendChild(script);
      });
    }
    return loading;
  }
  window.mermaid = {
    initialize: function (c) { config = c; },
    render: function (id, text) {
      return load().then(function (real) { return real.render(id, text); });
    }
  };
})();
