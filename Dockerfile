# One image for every process of the orchestrator; the command picks the process:
#   docker run IMAGE api | worker | agencies | mail | setup
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    LOG_FORMAT=json DATA_DIR=/var/lib/lifeevents

WORKDIR /app
COPY pyproject.toml README.md ./
COPY lifeevents ./lifeevents
COPY workflows ./workflows
COPY activities ./activities
COPY api ./api
COPY life_events ./life_events
COPY simulated_agencies ./simulated_agencies
COPY agency_sdk ./agency_sdk
RUN pip install . \
    && useradd --system --create-home --home-dir /var/lib/lifeevents lifeevents

USER lifeevents
ENTRYPOINT ["lifeevents"]
CMD ["api"]
