from django.urls import path

from kabinet.messaging import views

app_name = "messaging"

urlpatterns = [
    path("messages/", views.chat, name="chat"),
    path("messages/send/", views.send, name="send"),
    path("messages/files/<pid:public_id>/", views.attachment, name="attachment"),
    path("staff/inbox/", views.staff_inbox, name="staff_inbox"),
    path("staff/inbox/files/<pid:public_id>/", views.staff_attachment, name="staff_attachment"),
    path("staff/inbox/<pid:public_id>/", views.staff_conversation, name="staff_conversation"),
    path("staff/inbox/<pid:public_id>/send/", views.staff_send, name="staff_send"),
    path("staff/inbox/<pid:public_id>/assign/", views.staff_assign, name="staff_assign"),
    path("staff/inbox/<pid:public_id>/card/", views.staff_client_card, name="staff_client_card"),
]
