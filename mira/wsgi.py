import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

from mira.settings import settings_module

os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module())
application = get_wsgi_application()
# The URLconf, and with it every view, imported now rather than by the process's first
# request (about half a second of CPU that request would wait for): gunicorn loads this module
# in each worker before it accepts connections.
get_resolver().url_patterns  # noqa: B018

# Then what the first requests would load lazily: the configuration file, runtime settings,
# connections, the task broker (mira/warmup.py; docs/deployment.md).
from mira.warmup import warm_up  # noqa: E402

warm_up()
