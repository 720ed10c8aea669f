"""The portal's URLs plus /bench/noop/: a Django view that answers 204, through the same middleware."""

from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from portal.urls import urlpatterns as portal_urlpatterns


@csrf_exempt
def noop(request):
    request.read()  # read the body like the receiver does, then answer nothing
    return HttpResponse(status=204)


urlpatterns = [path("bench/noop/", noop), *portal_urlpatterns]
