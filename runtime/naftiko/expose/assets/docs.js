// Swagger UI for this adapter's own OpenAPI document. "Try it out" calls the server the page
// came from, whatever name the browser used for it; a token typed here is kept in memory only.
"use strict";
(function () {
  const here = new URL(".", window.location.href).href.replace(/\/$/, "");
  const form = document.getElementById("credentials");
  const failure = document.getElementById("failure");
  let token = "";

  function withToken(request) {
    const headers = request.headers || {};
    if (token && !headers.Authorization && !headers.authorization) {
      headers.Authorization = "Bearer " + token;
    }
    request.headers = headers;
    return request;
  }

  function show(spec) {
    const declared = (spec.servers || []).filter((s) => s.url !== here);
    spec.servers = [{ url: here, description: "this server" }, ...declared];
    form.hidden = true;
    if (spec.info && spec.info.title) document.title = spec.info.title + " · API docs";
    window.ui = SwaggerUIBundle({
      spec: spec,
      dom_id: "#swagger-ui",
      deepLinking: true,
      presets: [SwaggerUIBundle.presets.apis],
      layout: "BaseLayout",
      validatorUrl: null,
      requestInterceptor: withToken,
    });
  }

  function load() {
    const headers = token ? { Authorization: "Bearer " + token } : {};
    fetch("openapi.json", { headers: headers, credentials: "same-origin" })
      .then((response) => {
        if (response.status === 401) {
          form.hidden = false;
          return null;
        }
        if (!response.ok) throw new Error("GET openapi.json answered " + response.status);
        return response.json();
      })
      .then((spec) => spec && show(spec))
      .catch((error) => {
        failure.textContent = "The OpenAPI document did not load: " + error.message;
        failure.hidden = false;
      });
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    token = document.getElementById("token").value.trim();
    load();
  });
  load();
})();
