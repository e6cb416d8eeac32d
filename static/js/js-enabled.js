// Loaded first in <body>, as GOV.UK's page template does inline (our CSP forbids inline scripts):
// styles that only make sense with JavaScript hang off js-enabled, and govuk-frontend-supported
// marks browsers that will run GOV.UK Frontend's ES module (it checks for this class itself).
document.body.className +=
  " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
