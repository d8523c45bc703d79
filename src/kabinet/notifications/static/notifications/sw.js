// Kabinet's push service worker: shows a pushed notice and opens its page when clicked.
self.addEventListener("push", (event) => {
  let data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = {body: event.data ? event.data.text() : ""}; }
  event.waitUntil(self.registration.showNotification(data.title || "Kabinet", {
    body: data.body || "", tag: data.tag || undefined, data: {url: data.url || "/"}, renotify: !!data.tag,
  }));
});
self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = (event.notification.data && event.notification.data.url) || "/";
  event.waitUntil(self.clients.matchAll({type: "window", includeUncontrolled: true}).then((tabs) => {
    for (const tab of tabs) { if (tab.url === url && "focus" in tab) return tab.focus(); }
    return self.clients.openWindow(url);
  }));
});
