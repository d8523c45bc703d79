// Browser push opt-in: register the service worker, subscribe with the VAPID key, send the subscription.
(function () {
  "use strict";
  const box = document.getElementById("push");
  if (!box) return;
  const status = box.querySelector(".push-status");
  const on = box.querySelector(".push-on");
  const off = box.querySelector(".push-off");
  const text = (key) => (document.getElementById("push-texts").content.querySelector(`[data-key="${key}"]`) || {}).textContent || "";
  const csrf = () => (document.cookie.match(/(?:^|; )csrftoken=([^;]+)/) || [])[1] || "";
  const keyBytes = (b64) => {
    const raw = atob((b64 + "===".slice((b64.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(raw, (c) => c.charCodeAt(0));
  };
  const post = (url, body) => fetch(url, {
    method: "POST", credentials: "same-origin",
    headers: {"Content-Type": "application/json", "X-CSRFToken": csrf()}, body: JSON.stringify(body),
  });
  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    status.textContent = text("unsupported");
    return;
  }
  let registration = null;
  async function refresh() {
    registration = await navigator.serviceWorker.register(box.dataset.workerUrl);
    const sub = await registration.pushManager.getSubscription();
    on.hidden = !!sub; off.hidden = !sub;
    status.textContent = Notification.permission === "denied" ? text("denied") : text(sub ? "on" : "off");
  }
  on.addEventListener("click", async () => {
    try {
      if ((await Notification.requestPermission()) !== "granted") { status.textContent = text("denied"); return; }
      const sub = await registration.pushManager.subscribe({userVisibleOnly: true, applicationServerKey: keyBytes(box.dataset.vapidKey)});
      const response = await post(box.dataset.subscribeUrl, sub.toJSON());
      if (!response.ok) throw new Error(String(response.status));
      await refresh();
    } catch (e) { status.textContent = text("error"); }
  });
  off.addEventListener("click", async () => {
    try {
      const sub = await registration.pushManager.getSubscription();
      if (sub) { await post(box.dataset.unsubscribeUrl, {endpoint: sub.endpoint}); await sub.unsubscribe(); }
      await refresh();
    } catch (e) { status.textContent = text("error"); }
  });
  refresh().catch(() => { status.textContent = text("unsupported"); });
})();
