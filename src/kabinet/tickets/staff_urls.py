from django.urls import path

from kabinet.tickets.views import staff

app_name = "tickets_staff"

urlpatterns = [
    path("", staff.queue, name="queue"),
    path("new/", staff.new, name="new"),
    path("<pid:public_id>/", staff.detail, name="detail"),
    path("<pid:public_id>/reply/", staff.reply, name="reply"),
    path("<pid:public_id>/update/", staff.update, name="update"),
    path("<pid:public_id>/cc/", staff.cc, name="cc"),
    path("<pid:public_id>/files/<pid:file_id>/", staff.attachment, name="attachment"),
]
