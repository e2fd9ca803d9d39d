# naftiko-py: one image; one container per capability.
#   docker build -t naftiko .
#   docker run -p 8080:8080 -p 9090:9090 -p 9100:9100 -e KOMBO_API_KEY=... \
#     -v "$PWD/capabilities/kombo/kombo-general.yaml:/capability/capability.yaml:ro" naftiko
# BASE is any image with python3 and python3 -m venv (the default comes from your registry).
ARG BASE=python:3.12-slim

FROM ${BASE} AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY runtime ./runtime
COPY schemas ./schemas
RUN python3 -m venv /opt/naftiko \
    && /opt/naftiko/bin/pip install --no-cache-dir --disable-pip-version-check .

FROM ${BASE}
COPY --from=build /opt/naftiko /opt/naftiko
RUN groupadd --system --gid 10001 naftiko \
    && useradd --system --uid 10001 --gid naftiko --no-create-home --shell /usr/sbin/nologin naftiko \
    && mkdir -p /capability \
    && chown naftiko:naftiko /capability
ENV PATH=/opt/naftiko/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    NAFTIKO_HOST=0.0.0.0 \
    NAFTIKO_CONTROL_PORT=9100
USER 10001:10001
WORKDIR /capability
EXPOSE 8080 9090 9100
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD ["python3", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:9100/health/ready', timeout=2).status == 200 else 1)"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["naftiko", "run"]
CMD ["/capability/capability.yaml"]
