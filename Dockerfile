# Glossary bot: docker build -t glossary-bot . && docker run --env-file .env glossary-bot
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY seeds ./seeds
COPY intents ./intents
RUN pip install --no-cache-dir --upgrade pip && pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 PORT=3000 \
    GLOSSARY_STATE_DB=/var/lib/glossary-bot/state.sqlite3 GLOSSARY_CACHE_DIR=/var/lib/glossary-bot/cache
RUN useradd --system --uid 10001 --home-dir /nonexistent --shell /usr/sbin/nologin glossary \
    && mkdir -p /var/lib/glossary-bot && chown glossary /var/lib/glossary-bot
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER glossary
WORKDIR /var/lib/glossary-bot
# Refuse to build an image whose shipped glossary does not load; then warm the term cache.
RUN glossary-bot check && glossary-bot ask --json segment > /dev/null
EXPOSE 3000
# In HTTP mode (serve --http) the health check asks /healthz; Socket Mode has no port to ask.
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s CMD python -c "import os, sys, urllib.request; \
cmd = open('/proc/1/cmdline', 'rb').read(); \
sys.exit(0) if b'--http' not in cmd else urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3000'), timeout=2)"
CMD ["glossary-bot", "serve"]
