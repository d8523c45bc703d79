// Kabinet live updates: one WebSocket per tab. Chat messages and read marks appear without reloading,
// badges follow, the staff inbox refreshes itself. Pages work without it (plain forms and links).
(function () {
  "use strict";
  if (window.kabinetLive) return; // the dashboard may include this script from more than one card
  // Fragments loaded beside the page (the client card in the staff inbox); the link stays without JS.
  document.querySelectorAll("[data-load]").forEach(async (box) => {
    const response = await fetch(box.dataset.load, {credentials: "same-origin"});
    if (response.ok) box.innerHTML = await response.text();
  });
  const root = document.querySelector("[data-chat], [data-inbox], [data-live]");
  if (!root || !("WebSocket" in window)) return;
  const chat = document.querySelector("[data-chat]");
  const inbox = document.querySelector("[data-inbox]");
  const side = chat ? chat.dataset.side : (inbox ? "staff" : "client");
  const conversationId = chat ? chat.dataset.conversation || "" : "";
  const thread = chat ? chat.querySelector("[data-thread]") : null;
  let socket = null, retry = 1000, pendingRead = false;
  window.kabinetLive = true;

  function send(data) { if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(data)); }

  function setBadge(key, count) {
    const links = document.querySelectorAll(`.mainnav a[href="/${key}/"]`);
    const targets = [...document.querySelectorAll(`[data-live-badge="${key}"]`)];
    links.forEach((link) => {
      let badge = link.querySelector(".badge");
      if (!badge) { badge = document.createElement("span"); badge.className = "badge"; link.append(" ", badge); }
      targets.push(badge);
    });
    targets.forEach((badge) => { badge.textContent = String(count); badge.hidden = !count; });
  }

  function toast(text, url) {
    let box = document.getElementById("live-toasts");
    if (!box) {
      box = document.createElement("div"); box.id = "live-toasts"; box.className = "live-toasts";
      box.setAttribute("role", "status"); box.setAttribute("aria-live", "polite"); document.body.append(box);
    }
    const item = document.createElement(url ? "a" : "p");
    item.className = "live-toast"; item.textContent = text; if (url) item.href = url;
    box.append(item); setTimeout(() => item.remove(), 8000);
  }

  function bubble(m) {
    const li = document.createElement("li");
    li.className = "bubble " + (m.mine ? "mine" : "theirs");
    li.id = "m-" + m.id; li.dataset.message = m.id; li.dataset.mine = m.mine ? "1" : "0";
    const meta = document.createElement("p"); meta.className = "bubble-meta";
    const who = document.createElement("span"); who.className = "bubble-author"; who.textContent = m.author;
    const time = document.createElement("time"); time.dateTime = m.created_at; time.textContent = m.time;
    meta.append(who, " ", time); li.append(meta);
    if (m.body) {
      const body = document.createElement("div"); body.className = "bubble-body";
      m.body.split("\n").forEach((line, i) => { if (i) body.append(document.createElement("br")); body.append(line); });
      li.append(body);
    }
    if (m.attachments.length) {
      const list = document.createElement("ul"); list.className = "bubble-files";
      m.attachments.forEach((f) => {
        const item = document.createElement("li"); const link = document.createElement("a");
        link.href = f.url; link.textContent = f.name; link.setAttribute("download", "");
        const size = document.createElement("span"); size.className = "muted"; size.textContent = f.size;
        item.append(link, " ", size); list.append(item);
      });
      li.append(list);
    }
    if (m.mine) {
      const status = document.createElement("p"); status.className = "bubble-status"; status.dataset.status = "";
      status.textContent = chat.dataset.sentLabel; li.append(status);
    }
    return li;
  }

  function addMessage(m) {
    if (!thread || document.getElementById("m-" + m.id)) return;
    if (side === "staff" && m.conversation !== conversationId) return;
    const empty = chat.querySelector("[data-empty]"); if (empty) empty.remove();
    thread.append(bubble(m));
    thread.lastElementChild.scrollIntoView({block: "nearest"});
    if (!m.mine) markRead();
  }

  function markRead() {
    if (document.visibilityState !== "visible") { pendingRead = true; return; }
    pendingRead = false;
    send(side === "staff" ? {type: "read", conversation: conversationId} : {type: "read"});
  }

  function showRead(upto) {
    if (!thread) return;
    for (const li of thread.querySelectorAll('[data-mine="1"]')) {
      const status = li.querySelector("[data-status]"); if (status) status.textContent = chat.dataset.readLabel;
      if (li.dataset.message === upto) break;
    }
  }

  let refreshing = null;
  function refreshInbox() {
    if (!inbox || refreshing) return;
    refreshing = setTimeout(async () => {
      refreshing = null;
      const response = await fetch(location.href, {headers: {"HX-Request": "true"}, credentials: "same-origin"});
      if (response.ok) inbox.querySelector("[data-inbox-list]").innerHTML = await response.text();
    }, 300);
  }

  // An open order page follows its order: on a change it loads itself again (through the same view, so the
  // same selector decides what shows) and swaps the order's part; an order no longer visible reloads the page.
  const orderBox = document.querySelector("[data-order-live]");
  let orderLoading = null;
  function refreshOrder(data) {
    if (!orderBox || data.order !== orderBox.dataset.order) return;
    if (data.gone) { location.reload(); return; }
    clearTimeout(orderLoading);
    orderLoading = setTimeout(async () => {
      const response = await fetch(location.href, {credentials: "same-origin"});
      if (!response.ok) { location.reload(); return; }
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = page.querySelector("[data-order-live]");
      if (!fresh) return;
      const stageOf = (box) => { const el = box.querySelector("[data-order-stage]"); return el ? el.textContent : ""; };
      const before = stageOf(orderBox);
      orderBox.innerHTML = fresh.innerHTML;
      const now = stageOf(orderBox);
      if (now && now !== before) toast(orderBox.dataset.movedLabel + " " + now);
    }, 300);
  }

  function onEvent(data) {
    if (data.type === "order") { refreshOrder(data); return; }
    if (data.type === "hello") {
      if ("unread_messages" in data) setBadge("messages", data.unread_messages);
      if ("unread_notifications" in data) setBadge("notifications", data.unread_notifications);
    } else if (data.type === "message") {
      addMessage(data.message);
      if (typeof data.unread === "number" && !(chat && document.visibilityState === "visible")) setBadge("messages", data.unread);
      if (inbox) refreshInbox();
    } else if (data.type === "read") {
      if (data.side !== side && (side === "client" || data.conversation === conversationId)) showRead(data.upto);
      if (side === "client" && data.side === "client" && typeof data.unread === "number") setBadge("messages", data.unread);
      if (inbox) refreshInbox();
    } else if (data.type === "conversation") {
      if (inbox) refreshInbox();
    } else if (data.type === "notification") {
      setBadge("notifications", data.unread);
      const n = data.notification;
      if (n && !(chat && n.event === "message.received")) {
        toast(n.text, n.url);
        if (document.visibilityState === "visible") send({type: "seen", notifications: [n.id]});
      } else if (n && document.visibilityState === "visible") {
        send({type: "seen", notifications: [n.id]});
      }
    }
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + root.dataset.socket);
    socket.addEventListener("open", () => {
      retry = 1000; document.documentElement.dataset.live = "on";
      // What came while this tab was not connected (a restart of the server or of Redis): the messages after
      // the last one it shows. addMessage drops ids already shown, so nothing appears twice.
      // (Not on a page of earlier messages: its thread ends before the newest ones on purpose.)
      const last = thread && !location.search.includes("before=") ? thread.lastElementChild : null;
      if (last && last.dataset.message) send({type: "since", after: last.dataset.message});
    });
    socket.addEventListener("message", (e) => { try { onEvent(JSON.parse(e.data)); } catch (err) { /* ignore */ } });
    socket.addEventListener("close", (e) => {
      document.documentElement.dataset.live = "off";
      if (e.code === 4401) return; // signed out elsewhere: the next page load shows the login
      // Jitter spreads the reconnect storm after a server restart.
      setTimeout(connect, retry + Math.random() * 1000); retry = Math.min(retry * 2, 30000);
    });
  }

  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible" && pendingRead) markRead(); });
  setInterval(() => send({type: "ping"}), 25000);

  if (chat) {
    const form = chat.querySelector("[data-compose]");
    const quick = form && form.querySelector("[data-quick-replies]");
    if (quick) quick.addEventListener("change", () => {
      const option = quick.selectedOptions[0];
      if (option && option.dataset.text) { form.querySelector("textarea").value = option.dataset.text; quick.value = ""; }
    });
    if (form) form.addEventListener("submit", async (event) => {
      event.preventDefault();
      form.querySelectorAll("[data-errors]").forEach((box) => { box.textContent = ""; });
      const button = form.querySelector("button[type=submit]"); button.disabled = true;
      try {
        const response = await fetch(form.action, {method: "POST", body: new FormData(form), credentials: "same-origin", headers: {"Accept": "application/json"}});
        const data = await response.json();
        if (response.ok) { form.reset(); addMessage(data.message); }
        else {
          Object.entries(data.errors || {}).forEach(([field, messages]) => {
            const box = form.querySelector(`[data-errors="${field}"]`) || form.querySelector("[data-errors]");
            messages.forEach((text) => { const p = document.createElement("p"); p.className = "field-error"; p.setAttribute("role", "alert"); p.textContent = text; box.append(p); });
          });
        }
      } catch (err) {
        const box = form.querySelector("[data-errors]"); const p = document.createElement("p");
        p.className = "field-error"; p.setAttribute("role", "alert"); p.textContent = chat.dataset.sendError; box.append(p);
      } finally { button.disabled = false; }
    });
    if (thread && thread.lastElementChild) thread.lastElementChild.scrollIntoView({block: "nearest"});
  }
  connect();
})();
