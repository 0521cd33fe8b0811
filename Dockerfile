# The scli command on a slim Python; PostgreSQL is reached through DATABASE_URL.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, so that a code change does not reinstall them.
COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY pyproject.toml setup.py README.md requirements.dev.txt ./
COPY strider_challenge ./strider_challenge
RUN pip install --no-deps . && rm -rf build

COPY data ./data

RUN useradd --create-home --uid 10001 scli && chown scli /app
USER scli

ENTRYPOINT ["scli"]
CMD ["--help"]
