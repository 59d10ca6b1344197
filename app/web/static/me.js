// The person's own page (/me): a live preview of what the box's words will make, read by the same parser a
// text goes to (POST /me/preview). The page works without it: Add saves and says what it understood.
"use strict";
(function () {
  // Opened by a sign-in link, which works once: the address to reload or bookmark is /me (the session's)
  if (window.location.pathname.indexOf("/link/") === 0) window.history.replaceState(null, "", "/me");
  const box = document.getElementById("new-text");
  const out = document.getElementById("preview");
  const csrf = document.querySelector('meta[name="csrf"]');
  if (!box || !out || !csrf) return;
  let timer = null;
  let asked = 0;

  async function preview() {
    const text = box.value.trim();
    const mine = ++asked;
    if (!text) { out.textContent = ""; return; }
    try {
      const answer = await fetch("/me/preview", {
        method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf.content},
        body: JSON.stringify({text: text}),
      });
      if (!answer.ok || mine !== asked) return;
      const said = await answer.json();
      out.classList.toggle("unsure", !said.ok);
      out.textContent = said.ok ? out.dataset.label + ": " + said.says : said.says;
    } catch (err) {
      out.textContent = "";
    }
  }

  box.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(preview, 250);
  });
})();
