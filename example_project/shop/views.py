from django.conf import settings
from django.shortcuts import render

from django_smartpay.conf import get_client


def home(request):
    """Front page: shows whether the shop can reach its Smartpay (the simulator)."""
    client = get_client()
    try:
        client.list_orders(max_results=1)
        reachable, problem = True, ""
    except Exception as exc:  # the page reports any failure instead of crashing
        reachable, problem = False, str(exc)
    return render(
        request,
        "shop/home.html",
        {"api_base": settings.SMARTPAY["API_BASE"], "reachable": reachable, "problem": problem},
    )
