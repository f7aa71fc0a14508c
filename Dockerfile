# syntax=docker/dockerfile:1
# kefu in one image: the web UI is built first and embedded in the binary; the final stage is a
# slim Debian with the binary only, run as an unprivileged user. See docs/deploy.md.
#
#   docker build -t kefu .
#   docker run -p 8080:8080 -v kefu-data:/var/lib/kefu kefu

# 1. The web UI (Vite needs Node 20+).
FROM node:20-bookworm-slim AS web
WORKDIR /src/web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/ ./
RUN npm run build

# 2. The binary, with the UI from stage 1 embedded (rust-embed reads web/dist).
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
COPY --from=web /src/web/dist web/dist
RUN cargo build --release --locked --package kefu

# 3. What runs: the binary, CA certificates (TLS to PostgreSQL), a user without privileges.
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home-dir /var/lib/kefu --create-home kefu \
    && install -d -o kefu -g kefu -m 0700 /var/lib/kefu/keys
COPY --from=build /src/target/release/kefu /usr/local/bin/kefu
USER kefu
WORKDIR /var/lib/kefu
ENV KEFU_LISTEN=0.0.0.0:8080 \
    KEFU_DATA_DIR=/var/lib/kefu
VOLUME ["/var/lib/kefu"]
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/kefu"]
CMD ["serve"]
