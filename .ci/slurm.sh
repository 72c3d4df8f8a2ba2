#!/usr/bin/env bash
# .ci/slurm.sh [BUILD_DIR]: the SLURM launcher's tests (ctest label `slurm`) on a real one-node
# cluster, required to be there: brings it up with scripts/slurm-local-up.sh (as root; installs
# Debian's slurmctld, slurmd and munge when missing), runs the tests with CYDRA_REQUIRE_SLURM=1 (a
# cluster that cannot be used fails them instead of skipping them), and stops the cluster again.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
scripts/slurm-local-up.sh
trap 'scripts/slurm-local-down.sh' EXIT
(cd "$build" && CYDRA_REQUIRE_SLURM=1 ctest -L slurm --output-on-failure)
