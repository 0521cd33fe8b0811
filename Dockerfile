# syntax=docker/dockerfile:1
# The scli command on a slim Python, in two stages: the first builds the wheel with the
# build lock's tools; the second installs the runtime lock and that wheel, nothing else
# (no compiler, no build tools, no source tree). PostgreSQL is reached through DATABASE_URL.

FROM python:3.11-slim AS wheel

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src

COPY requirements.build.lock ./
RUN pip install --require-hashes -r requirements.build.lock

COPY pyproject.toml setup.py MANIFEST.in README.md requirements.txt requirements.dev.txt ./
COPY strider_challenge ./strider_challenge
RUN python -m build --no-isolation --wheel --outdir /wheels .


FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# The lock first, so that a code change does not reinstall the dependencies.
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock

# The wheel is mounted, not copied: it leaves no layer behind.
RUN --mount=type=bind,from=wheel,source=/wheels,target=/wheels \
    pip install --no-deps /wheels/strider_challenge-*.whl

COPY data ./data

# A numeric user, so that Kubernetes' runAsNonRoot can tell it is not root; it owns
# /app only, where the default SQLite file (database.db) would be written.
RUN useradd --no-log-init --system --uid 10001 --home-dir /app scli \
    && chown scli /app
USER 10001

ENTRYPOINT ["scli"]
CMD ["--help"]
