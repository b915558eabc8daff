#!/bin/sh
# Builds the local base image for the docker backend: a minimal Debian root filesystem
# (debootstrap) with python3, numpy and pip (so a learnware's requirements can be installed
# from a configured index or wheelhouse), imported with `docker import` (no registry needed).
# Idempotent: does nothing when the image exists; reuses a cached rootfs tarball when only
# the docker state was lost.
#
#   runner/docker/build-base-image.sh [image]        (default: $LW_DOCKER_BASE_IMAGE or lw-base:bookworm)
#
# Env: LW_DOCKER_BASE_IMAGE, LW_BASE_CACHE (tarball folder, default /var/cache/lw),
#      LW_DEBIAN_MIRROR (default http://deb.debian.org/debian), LW_BASE_SUITE (default bookworm),
#      LW_BASE_PACKAGES (extra comma-separated Debian packages, e.g. python3-sklearn).
set -eu

IMAGE="${1:-${LW_DOCKER_BASE_IMAGE:-lw-base:bookworm}}"
CACHE="${LW_BASE_CACHE:-/var/cache/lw}"
MIRROR="${LW_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SUITE="${LW_BASE_SUITE:-bookworm}"
PACKAGES="python3-minimal,python3-numpy,python3-pip${LW_BASE_PACKAGES:+,$LW_BASE_PACKAGES}"
DOCKER="${DOCKER:-docker}"

if "$DOCKER" image inspect "$IMAGE" >/dev/null 2>&1 && "$DOCKER" run --rm --network none "$IMAGE" sh -c "python3 -c 'import numpy' && python3 -m pip --version" >/dev/null 2>&1; then
  echo "base image $IMAGE exists, nothing to do"
  exit 0
fi

KEY=$(printf '%s|%s|%s' "$SUITE" "$PACKAGES" "$MIRROR" | sha256sum | cut -c1-16)
TARBALL="$CACHE/base-rootfs-$KEY.tar"
mkdir -p "$CACHE"

if [ ! -s "$TARBALL" ]; then
  command -v debootstrap >/dev/null || { echo "debootstrap is not installed (apt-get install debootstrap)" >&2; exit 1; }
  ROOTFS=$(mktemp -d "${TMPDIR:-/tmp}/lw-rootfs.XXXXXX")
  chmod 755 "$ROOTFS"  # the image root; mktemp makes it 0700, which locks out the non-root user
  trap 'rm -rf "$ROOTFS"' EXIT
  echo "debootstrap $SUITE ($PACKAGES) into $ROOTFS"
  debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$ROOTFS" "$MIRROR"
  # Slim the filesystem: vfs copies every byte for every container.
  rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/lib/apt/lists/* \
         "$ROOTFS"/usr/share/doc "$ROOTFS"/usr/share/man "$ROOTFS"/usr/share/locale "$ROOTFS"/usr/share/info
  chroot "$ROOTFS" python3 -c "import numpy; print('numpy', numpy.__version__)"
  chroot "$ROOTFS" python3 -m pip --version
  chmod 755 "$ROOTFS"
  tar -C "$ROOTFS" -cf "$TARBALL.tmp" .
  mv "$TARBALL.tmp" "$TARBALL"
fi

echo "importing $TARBALL as $IMAGE"
"$DOCKER" import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1' \
  --change 'USER 65534:65534' \
  --change 'WORKDIR /tmp' \
  --change 'CMD ["python3"]' \
  "$TARBALL" "$IMAGE"
"$DOCKER" run --rm --network none "$IMAGE" sh -c "python3 -c \"import numpy; print('base image ok, numpy', numpy.__version__)\" && python3 -m pip --version"
