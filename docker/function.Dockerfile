# A function server of one of the examples (or your own crate in this workspace), built in
# a multi-stage build into a small image that holds the binary alone.
#
#   docker build -f docker/function.Dockerfile --build-arg EXAMPLE=greeter -t greeter-functions .
#
# EXAMPLE is the package (and binary) name: greeter, showcase, shopping-cart,
# fraud-detection. In a container the server must listen on all interfaces, not only on
# 127.0.0.1: pass the example's bind setting as the container's arguments or environment
# (see its README); the greeter's functions-only mode is the default command here.
ARG RUST_IMAGE=rust:1-slim-bookworm

FROM ${RUST_IMAGE} AS build
ARG EXAMPLE=greeter
WORKDIR /src
COPY . .
# The caches keep the registry and the build between image builds; the binary is copied
# out of the cached target directory, which is not part of the layer.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p "${EXAMPLE}" --bin "${EXAMPLE}" \
    && cp "target/release/${EXAMPLE}" /function

FROM debian:bookworm-slim
RUN useradd --system --uid 10001 statefun
COPY --from=build /function /usr/local/bin/function
USER statefun
EXPOSE 8000
ENV RUST_LOG=info
ENTRYPOINT ["/usr/local/bin/function"]
# Every interface: published ports reach a container through its own network interface,
# never its loopback.
CMD ["--functions-only", "--host", "0.0.0.0"]
