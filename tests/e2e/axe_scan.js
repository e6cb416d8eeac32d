// Runs in every document of a journey after axe.min.js (AxeScan in conftest.py adds both as init
// scripts, which the pages' CSP does not stop). Once the document has loaded, axe-core checks it
// and reports to the test through the __axeReport binding. Until that report is in, following a
// link or sending a form waits for it, so a journey that moves on at once still has every page
// scanned as it was shown: a form as filled in, a page as its scripts left it.
(() => {
  if (window.top !== window || !location.protocol.startsWith("http")) return;
  let reported = false;
  const scanned = new Promise((resolve) => {
    window.addEventListener("load", async () => {
      try {
        const results = await axe.run(document, { resultTypes: ["violations"] });
        await window.__axeReport(
          results.violations.map((v) => ({
            id: v.id,
            impact: v.impact,
            help: v.help,
            targets: v.nodes.map((node) => node.target.join(" ")),
          })),
        );
      } catch (error) {
        await window.__axeReport(null, String(error));
      }
      reported = true;
      window.__axeReported = true;
      resolve();
    });
  });

  function leavesThePage(url) {
    const target = new URL(url, location.href);
    return target.origin !== location.origin || target.pathname !== location.pathname || target.search !== location.search;
  }

  // Capture phase: before the page's own handlers; the repeated event passes once reported.
  document.addEventListener(
    "click",
    (event) => {
      const link = event.target.closest && event.target.closest("a[href]");
      if (reported || !link || link.target || link.hasAttribute("download") || event.button !== 0) return;
      if (event.ctrlKey || event.metaKey || event.shiftKey || event.altKey || !leavesThePage(link.href)) return;
      event.preventDefault();
      scanned.then(() => link.click());
    },
    true,
  );
  document.addEventListener(
    "submit",
    (event) => {
      if (reported) return;
      const form = event.target;
      const submitter = event.submitter;
      event.preventDefault();
      scanned.then(() => form.requestSubmit(submitter));
    },
    true,
  );
})();
