// The phone simulator: posts texts to the inbound webhook as Vonage would, and polls the conversation.
(function () {
  "use strict";
  const thread = document.getElementById("thread");
  const form = document.getElementById("compose");
  const input = document.getElementById("text");
  const channel = document.getElementById("channel");  // only while WhatsApp is on
  const number = thread.dataset.number;
  const POLL_MS = 1000;
  let cursor = "";
  let polling = false;

  function timeOf(seconds) {
    return new Date(seconds * 1000).toLocaleTimeString([], { hour: "numeric", minute: "2-digit", second: "2-digit" });
  }

  function show(message) {
    const empty = document.getElementById("empty");
    if (empty) empty.remove();
    const item = document.createElement("li");
    item.className = "bubble " + message.dir + (message.channel === "whatsapp" ? " whatsapp" : "");
    item.dataset.id = message.id;
    if (message.template) {  // a reminder outside WhatsApp's window: the approved template, its text the parameter
      item.classList.add("template");
      const label = document.createElement("div");
      label.className = "template-name";
      label.textContent = "Template " + message.template;
      item.append(label);
    }
    const text = document.createElement("div");
    text.className = "text";
    text.textContent = message.text;  // text, never markup; its line breaks show through CSS (white-space: pre-line)
    const when = document.createElement("time");
    when.textContent = (message.channel === "whatsapp" ? "WhatsApp · " : "") + timeOf(message.at);
    item.append(text, when);
    thread.append(item);
    item.scrollIntoView({ block: "end" });
  }

  async function poll() {
    if (polling) return;
    polling = true;
    try {
      const url = thread.dataset.messages + "?number=" + encodeURIComponent(number) +
        (cursor ? "&after=" + encodeURIComponent(cursor) : "");
      const answer = await fetch(url, { cache: "no-store" });
      if (answer.ok) {
        const body = await answer.json();
        body.messages.forEach(show);
        cursor = body.cursor || cursor;
      }
    } catch (err) {
      // the service is restarting: the next poll tries again
    } finally {
      polling = false;
    }
  }

  function request(text) {
    const id = "sim-" + Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
    if (channel && channel.value === "whatsapp") {  // the Messages API's inbound WhatsApp message
      return { url: thread.dataset.whatsappWebhook, options: { method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ channel: "whatsapp", message_type: "text", text: text, message_uuid: id,
                               from: number, to: thread.dataset.whatsappNumber,
                               timestamp: new Date().toISOString() }) } };
    }
    const fields = new URLSearchParams({
      msisdn: number, to: thread.dataset.serviceNumber, text: text, type: "text", messageId: id,
      keyword: (text.split(" ")[0] || "").toUpperCase(),
      "message-timestamp": new Date().toISOString().slice(0, 19).replace("T", " "),
    });
    return { url: thread.dataset.webhook, options: { method: "POST", body: fields } };
  }

  async function send(text) {
    const outgoing = request(text);
    try {
      const answer = await fetch(outgoing.url, outgoing.options);
      if (!answer.ok) {  // refused texts are not kept by the service: say so here only
        const body = await answer.json().catch(function () { return {}; });
        const reason = (body.error && body.error.message) || answer.statusText;
        show({ id: "", dir: "note", at: Date.now() / 1000,
               text: "The webhook refused that text (" + answer.status + "): " + reason });
      }
    } catch (err) {
      show({ id: "", dir: "note", text: "Could not reach the service: is it running?", at: Date.now() / 1000 });
    }
    poll();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    send(text);
  });
  document.querySelectorAll(".example").forEach(function (button) {
    button.addEventListener("click", function () { input.value = button.textContent; input.focus(); });
  });

  poll();
  setInterval(poll, POLL_MS);
  input.focus();
})();
