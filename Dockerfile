# One image for every process of the orchestrator; the command picks the process:
#   docker run IMAGE api | worker | agencies | mail | setup
# (the same `lifeevents` console command as on a laptop, so there is one way to start things).
FROM python:3.11-slim

# JSON logs for a log shipper; DATA_DIR is the non-root user's home, so the mail catcher and the
# simulated agencies can write their files there without extra permissions.
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    LOG_FORMAT=json DATA_DIR=/var/lib/lifeevents

WORKDIR /app
# Only what `pip install .` needs: the packages named in pyproject's packages.find include list.
COPY pyproject.toml README.md ./
COPY lifeevents ./lifeevents
COPY cli ./cli
COPY workflows ./workflows
COPY activities ./activities
COPY api ./api
COPY life_events ./life_events
COPY simulated_agencies ./simulated_agencies
COPY agency_sdk ./agency_sdk
COPY cli ./cli
# A plain (non-editable) install: the console script and the life-event YAML land in
# site-packages; the sources in /app are not used at run time.
RUN pip install . \
    && useradd --system --create-home --home-dir /var/lib/lifeevents lifeevents

# Never run as root: nothing in the processes needs it (all ports are above 1024).
USER lifeevents
ENTRYPOINT ["lifeevents"]
CMD ["api"]
