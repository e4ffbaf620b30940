# The reference runtime's binary, `statefun-runtime`, in a small image: a local StateFun
# without Flink for development, reading an upstream module.yaml.
#
#   docker build -f docker/runtime.Dockerfile -t statefun-runtime .
#   docker run --rm -v "$PWD/examples/showcase/module.local.yaml:/module.yaml:ro" \
#       -p 8090:8090 -p 8091:8091 statefun-runtime
#
# The module's urlPathTemplate must name the functions as the container sees them (a
# container name on a shared network, not localhost).
ARG RUST_IMAGE=rust:1-slim-bookworm

FROM ${RUST_IMAGE} AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p statefun-runtime --features cli --bin statefun-runtime \
    && cp target/release/statefun-runtime /statefun-runtime

FROM debian:bookworm-slim
RUN useradd --system --uid 10001 statefun
COPY --from=build /statefun-runtime /usr/local/bin/statefun-runtime
USER statefun
EXPOSE 8090 8091 8081
ENV RUST_LOG=info
ENTRYPOINT ["/usr/local/bin/statefun-runtime"]
# Every interface, the admin API and dashboard too: published ports reach a container
# through its own network interface, never its loopback.
CMD ["--module", "/module.yaml", "--host", "0.0.0.0", "--admin", "0.0.0.0:8081"]
