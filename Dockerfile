# Exercise Access: one binary; the image runs `exaccess serve` by default and
# any other subcommand when given one (docker run IMAGE migrate, audit verify …).
#
# Configuration is by environment (EXACCESS_*, docs/operations.md). Not built in
# CI: the project's CI machine has no Docker engine; cmd/exaccess/compose_test.go
# checks this file and docker-compose.yml for consistency with the binary.
#
# Both stages are the same Debian release (trixie): the binary is linked with
# cgo (the SQLite driver is C) against the build stage's glibc, which the final
# stage must provide in the same or a newer version.

FROM golang:1.26-trixie AS build
WORKDIR /src
ENV CGO_ENABLED=1
# Dependencies first, so that a change of source reuses this layer.
COPY go.mod go.sum ./
RUN go mod download && go mod verify
COPY . .
RUN go build -mod=readonly -trimpath -ldflags="-s -w" -o /out/exaccess ./cmd/exaccess \
 && /out/exaccess policy check >/dev/null

FROM debian:trixie-slim
# ca-certificates: an identity provider's key set is fetched over https
# (EXACCESS_JWKS_URL). curl: the health check (GET /readyz) of docker-compose.yml.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 exaccess \
 && useradd --system --uid 10001 --gid exaccess --home-dir /var/lib/exaccess \
      --no-create-home --shell /usr/sbin/nologin exaccess \
 && install -d -o exaccess -g exaccess -m 0750 /var/lib/exaccess \
 && install -d -o exaccess -g exaccess -m 0700 /var/lib/exaccess-keys
COPY --from=build /out/exaccess /usr/local/bin/exaccess
# The SQLite file lives here when EXACCESS_DB is not a postgres:// DSN; mount a
# volume on it (docker run -v exaccess-data:/var/lib/exaccess …).
WORKDIR /var/lib/exaccess
VOLUME ["/var/lib/exaccess"]
# The audit log's checkpoint signing key file (EXACCESS_CHECKPOINT_KEY) belongs
# outside the database, on a volume of its own: /var/lib/exaccess-keys is made
# for it, owned by the server's user, mode 0700.
ENV EXACCESS_ADDR=0.0.0.0:8080 \
    EXACCESS_DB=/var/lib/exaccess/exaccess.db
USER 10001:10001
EXPOSE 8080
# serve stops accepting on SIGTERM, finishes requests in flight (up to 15 s)
# and closes the database last; give it longer than that before SIGKILL
# (docker stop --time 20, compose stop_grace_period: 20s).
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/exaccess"]
CMD ["serve"]
