from django.urls import path

from kabinet.tickets.views import portal

app_name = "tickets"

urlpatterns = [
    path("", portal.ticket_list, name="list"),
    path("new/", portal.ticket_new, name="new"),
    path("rate/<str:token>/", portal.rating_link, name="rate_link"),
    path("<pid:public_id>/", portal.ticket_detail, name="detail"),
    path("<pid:public_id>/reply/", portal.ticket_reply, name="reply"),
    path("<pid:public_id>/close/", portal.ticket_close, name="close"),
    path("<pid:public_id>/rate/", portal.ticket_rate, name="rate"),
    path("<pid:public_id>/files/<pid:file_id>/", portal.ticket_attachment, name="attachment"),
]
