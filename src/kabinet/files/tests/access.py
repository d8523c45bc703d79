from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kabinet.testing.matrix import CLIENT_ROLES, Role, RouteCase, owner_only

LOGIN = (302, "/accounts/login/")

ROUTES = [
    RouteCase(
        url_name="files:staff_download",
        url=lambda w: reverse("files:staff_download", args=[w.file.public_id]),
        expect={**dict.fromkeys(CLIENT_ROLES, 404), Role.STAFF: 200, Role.ANONYMOUS: LOGIN},
    ),
    RouteCase(
        url_name="files:archive",
        url=lambda w: reverse("files:archive"),
        expect={**dict.fromkeys(CLIENT_ROLES, 200), Role.STAFF: 404, Role.ANONYMOUS: LOGIN},
        markers=lambda w: {
            w.file.original_name: {Role.OWNER, Role.COMPANY_ADMIN},
            w.foreign["file"].original_name: {Role.OTHER_CLIENT},
        },
    ),
    RouteCase(
        url_name="files:archive",
        label="files:archive (upload)",
        url=lambda w: reverse("files:archive"),
        method="post",
        data=lambda w: {
            "upload": SimpleUploadedFile("note.txt", "Привет".encode(), content_type="text/plain")
        },
        expect={**dict.fromkeys(CLIENT_ROLES, (302, "/files/")), Role.STAFF: 404, Role.ANONYMOUS: LOGIN},
    ),
    RouteCase(
        url_name="files:archive",
        label="files:archive (upload to someone else's order)",
        url=lambda w: reverse("files:archive"),
        method="post",
        data=lambda w: {
            "upload": SimpleUploadedFile("note.txt", b"hello", content_type="text/plain"),
            "about": w.order.public_id,
        },
        expect={
            Role.OWNER: (302, "/orders/"),
            Role.COMPANY_ADMIN: (302, "/orders/"),
            Role.COLLEAGUE: 400,
            Role.OTHER_CLIENT: 400,
            Role.STAFF: 404,
            Role.ANONYMOUS: LOGIN,
        },
    ),
    RouteCase(
        url_name="files:download",
        url=lambda w: reverse("files:download", args=[w.file.public_id]),
        expect=owner_only(),
    ),
]
