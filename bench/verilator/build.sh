#!/bin/sh
# Builds the Verilator model of an N x N array into $2 (default /tmp/tpusim-verilator-N):
#   bench/verilator/build.sh N [dir]
set -e
N=$1
DIR=${2:-/tmp/tpusim-verilator-$N}
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$DIR"
verilator -O3 --x-assign fast --x-initial fast --noassert -Wno-fatal --cc "$HERE/mac_array.sv" --top-module mac_array \
  --exe "$HERE/harness.cpp" -GR=$N -GC=$N -CFLAGS "-DR_ROWS=$N -DC_COLS=$N" -MAKEFLAGS "OPT_FAST=-O3 OPT_SLOW=-O1 OPT_GLOBAL=-O3" \
  --build -j 1 -Mdir "$DIR" > "$DIR/build.log" 2>&1
echo "$DIR/Vmac_array"
