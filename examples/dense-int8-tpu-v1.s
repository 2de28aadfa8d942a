; A compute-bound int8 inference on tpu-v1: 32 ReLU layers of 256 x 256 weights over a batch of 2048
; vectors that stays in the unified buffer, as TPU v1 keeps activations on chip. Each layer runs as two
; half-batch passes (accumulator rows 0 and 1024) so the activation unit drains one half while the
; array streams the other; the loader fetches tiles three layers ahead (FIFO depth 4), and the second
; half of the input crosses the host link while the first layer works on the first.
; Used by docs/ENERGY.md for tpu-v1's busy power:
;   tpusim run examples/dense-int8-tpu-v1.s --preset tpu-v1 --mode fast
; All values are 1: every layer computes 256 for each output and scales it back to 1 (outscale 1/256).

.host 0
X:  .fill 524288, 1        ; 2048 vectors of 256
Y:  .zero 20480            ; the last layer's first 10 outputs of each vector

.weights 0
W:  .fill 2097152, 1      ; 32 tiles of 256 x 256

.text
    RHM  host=0 hstride=256 ub=0 ustride=256 rows=1024 cols=256
    RHM  host=262144 hstride=256 ub=262144 ustride=256 rows=1024 cols=256
    RDW  wm=0 wstride=256 rows=256 cols=256
    RDW  wm=65536 wstride=256 rows=256 cols=256
    RDW  wm=131072 wstride=256 rows=256 cols=256
    MMUL ub=0 ustride=256 rows=1024 cols=256 acc=0 switch          ; layer 0
    RDW  wm=196608 wstride=256 rows=256 cols=256
    MMUL ub=262144 ustride=256 rows=1024 cols=256 acc=1024
    ACT  acc=0 rows=1024 cols=256 ub=524288 ustride=256 fn=relu outscale=0.00390625
    ACT  acc=1024 rows=1024 cols=256 ub=786432 ustride=256 fn=relu outscale=0.00390625
    MMUL ub=524288 ustride=256 rows=1024 cols=256 acc=0 switch          ; layer 1
    RDW  wm=262144 wstride=256 rows=256 cols=256
    MMUL ub=786432 ustride=256 rows=1024 cols=256 acc=1024
    ACT  acc=0 rows=1024 cols=256 ub=0 ustride=256 fn=relu outscale=0.00390625
    ACT  acc=1024 rows=1024 cols=256 ub=262144 ustride=256 fn=relu outscale=0.00390625
    MMUL ub=0 ustride=256 rows=1024 cols=256 acc=0 switch          ; layer 2
    RDW  wm=327680 wstride=256 rows=256 cols=256
    MMUL ub=262144 ustride=256 rows=1024 cols=256 acc=1024
    ACT  acc=0 rows=1024 cols=256 ub=524288 ustride=256 fn=relu outscale=0.00390625
    ACT  acc=1024 rows=1024 cols=256 ub=786432 ustride=256 fn=relu outscale=0.00390625
    MMUL ub=524288 ustride=256 rows=1024 cols=256 acc=0 switch          ; layer 3
    RDW  wm=393216 wstride=256 rows=256 cols=256
    MMUL ub=786432 ustride=256 rows=1024 cols=256 acc=1024
    ACT  acc=0 rows=1024 cols=256 ub=0 ustride=256 fn=relu outscale=0.00390625
    ACT  acc=1024 rows=1024 cols=256 ub=262144 ustride=256 fn=relu outscale=0.00390625
    MMUL ub=0 ustride=256 rows=1024 cols=256 acc=0 switch          ; layer 4
    RDW  wm=458752 wstride=256 rows=256 cols=256
    MMUL ub=262144 ustride=256 rows=1024 cols=256 acc=1024
    ACT  acc=0 rows=1024 cols=256 ub=524288 ustride=256 fn=relu outscale=0.00390625
    ACT  acc=1024 rows=1024 cols=256 ub=786432 ustride=256 fn=relu outscale=0.00390625
    MMUL ub=524288 ustride=256 rows=1024 cols=256 acc=0 switch          ; layer 5
    RDW  wm=524288 wstride=256 rows=256 cols=256
    MMUL ub=786432 ustride=256 rows=1024 cols=256 acc=1024
    ACT  acc=0 rows=1024 cols=256 ub=0 ustride=256 fn=relu outscale=0.00390625
    ACT  acc=1024 rows=1024 cols=256 ub=262144 ustride=256 fn=relu outscale=0.00390625
    MMUL ub=0 ustride=256 rows=1024 cols=256 acc=0 switch          ; layer 6
    RDW  wm=589824 wstride=256 rows=256 cols=256
    MMUL ub=262144 ustride=256 rows=1024 cols=256 acc=1024
    ACT  acc=0 rows=1024 cols=256 ub=524288 ustride=256 fn=relu outscale=0.00390625
    ACT  acc=1024 rows=1024 cols=256 ub=786432 ustride=256 fn=relu outscale=0.00390625
    MMUL ub=524288 ustride=256 rows=1024 cols=256 acc=0 switch          ; layer 7
    RDW  wm=655360 wstride=256 rows=256 cols=256
    MMUL ub=786432 ustride=256 rows=1024 cols=256 acc=1024
    ACT  acc=0 rows=1024 cols=256 ub=0 ustride=256 fn=relu outscale=0.00390625
    ACT  acc=1024 rows=1024 cols=256 ub=262144 ustride=256 fn=relu outscale=0.00390625
    MMUL ub=0 ustride=256 rows=1024 cols=256 acc=0 switch          ; layer 8
    RDW  wm=720896 wstride=256 rows=256 cols=256
    MMUL ub=262144 ustride=256 rows=1024 cols=256 acc=1024
    ACT  acc=0 rows=1024 cols=256 ub=524288 ustride=256 fn=relu outscale=0.00390625
    ACT  acc=1024 rows=1024 cols=256 ub=786432 ustride=256 fn=relu outscale=0.00390625
    MMUL ub=524288 ustride=256 rows=1024 cols=256 acc=0 switch          ; layer 9
    RDW  wm=786432 wstride=256 rows=256 cols=256
    MMUL ub=786432 ustride=256 rows=1024 cols=256 acc=1024
    ACT  acc=0 rows=1024 cols=256 ub=0 ustride=256 fn=relu outscale=0.00390625
    ACT  acc=1024 rows=1024 cols=256 ub=262144 ustride=256 fn=relu outscale=0.00390625
    MMUL ub=0 ustride=256 rows=1024 cols=256 acc=0 switch          ; layer 10
    RDW  wm=851968 wstride=256 rows=256 cols=256
    MMUL ub=262144 ustride=256 rows=1024 cols=256 acc=1024
    ACT  acc=0 rows=1024 cols=256 ub=524288 ustride=256 fn=relu outscale=0.00390625
    ACT  acc=1024 rows=1024 cols=256 ub=786432 ustride=256 fn=relu outscale=0.00390625
    MMUL ub=524288 ustride=256 rows=1024 cols=256 acc=0 switch          ; layer 11
    RDW  wm=917504 wstride=256 rows=256 cols=256
    MMUL ub=786432 ustride=256 rows=1024 cols=256 acc=1024
    ACT  acc=0 rows=1024 cols=256 ub=0 ustride=256 fn=relu outscale=0.00390625
    ACT  acc=1024 rows=1024 cols=256 ub=262144 ustride=256 fn=relu outscale=0.00390625
    MMUL ub=0 ustride=256 rows=1024 cols=256 acc=0 switch          ; layer 12
    RDW  wm=983040 wstride=256 rows=256 cols=256
    MMUL ub=262144 ustride=256 rows=1024 cols=256 acc=1024
    ACT  acc=0 rows=1024 cols=256 ub=524288 ustride=256 fn=relu outscale=0.00390625
    ACT  acc=1024 rows=1024 cols=256 ub=786432 ustride=256 fn=relu outscale=0.00390625
    MMUL ub=524288 ustride=256 rows=1024 cols=256 acc=0 switch          ; layer 13
    RDW  wm=1048576 wstride=256 rows=256 cols=256
    MMUL ub=786432 ustride=256 rows=1024 cols=256 acc=1024
    ACT  acc=0 rows=1024 cols=256 ub=0 ustride=256 fn=relu outscale=0.00390625
    ACT  acc=1024 rows=1024 cols=256 ub=262144 ustride=256 fn=relu outscale=0.00390625
    MMUL ub=0 ustride=256 rows=1024 cols=256 acc=0 switch          ; layer 14
    RDW  wm=1114112 wstride=256 rows=256 cols=256
    MMUL ub=262144 ustride=256 rows=1024 cols=256 acc=1024
    ACT  acc=0 rows=1024 cols=256 ub=524288 ustride=256 fn=relu outscale=0.00390625
    ACT  acc=1024 rows=1024 cols=256 ub=786432 ustride=256 fn=relu outscale=0.00390625
    MMUL ub=524288 ustride=256 rows=1024 cols=256 acc=0 switch          ; layer 15
    RDW  wm=1179648 wstride=256 rows=256 cols=256
    MMUL ub=786432 ustride=256 rows=1024 cols=256 acc=1024
    ACT  acc=0 rows=1024 cols=256 ub=0 ustride=256 fn=relu outscale=0.00390625
    ACT  acc=1024 rows=1024 cols=256 ub=262144 ustride=256 fn=relu outscale=0.00390625
    MMUL ub=0 ustride=256 rows=1024 cols=256 acc=0 switch          ; layer 16
    RDW  wm=1245184 wstride=256 rows=256 cols=256
    MMUL ub=262144 ustride=256 rows=1024 cols=256 acc=1024
    ACT  acc=0 rows=1024 cols=256 ub=524288 ustride=256 fn=relu outscale=0.00390625
    ACT  acc=1024 rows=1024 cols=256 ub=786432 ustride=256 fn=relu outscale=0.00390625
    MMUL ub=524288 ustride=256 rows=1024 cols=256 acc=0 switch          ; layer 17
    RDW  wm=1310720 wstride=256 rows=256 cols=256
    MMUL ub=786432 ustride=256 rows=1024 cols=256 acc=1024
    ACT  acc=0 rows=1024 cols=256 ub=0 ustride=256 fn=relu outscale=0.00390625
    ACT  acc=1024 rows=1024 cols=256 ub=262144 ustride=256 fn=relu outscale=0.00390625
    MMUL ub=0 ustride=256 rows=1024 cols=256 acc=0 switch          ; layer 18
    RDW  wm=1376256 wstride=256 rows=256 cols=256
    MMUL ub=262144 ustride=256 rows=1024 cols=256 acc=1024
    ACT  acc=0 rows=1024 cols=256 ub=524288 ustride=256 fn=relu outscale=0.00390625
    ACT  acc=1024 rows=1024 cols=256 ub=786432 ustride=256 fn=relu outscale=0.00390625
    MMUL ub=524288 ustride=256 rows=1024 cols=256 acc=0 switch          ; layer 19
    RDW  wm=1441792 wstride=256 rows=256 cols=256
    MMUL ub=786432 ustride=256 rows=1024 cols=256 acc=1024
    ACT  acc=0 rows=1024 cols=256 ub=0 ustride=256 fn=relu outscale=0.00390625
    ACT  acc=1024 rows=1024 cols=256 ub=262144 ustride=256 fn=relu outscale=0.00390625
    MMUL ub=0 ustride=256 rows=1024 cols=256 acc=0 switch          ; layer 20
    RDW  wm=1507328 wstride=256 rows=256 cols=256
    MMUL ub=262144 ustride=256 rows=1024 cols=256 acc=1024
    ACT  acc=0 rows=1024 cols=256 ub=524288 ustride=256 fn=relu outscale=0.00390625
    ACT  acc=1024 rows=1024 cols=256 ub=786432 ustride=256 fn=relu outscale=0.00390625
    MMUL ub=524288 ustride=256 rows=1024 cols=256 acc=0 switch          ; layer 21
    RDW  wm=1572864 wstride=256 rows=256 cols=256
    MMUL ub=786432 ustride=256 rows=1024 cols=256 acc=1024
    ACT  acc=0 rows=1024 cols=256 ub=0 ustride=256 fn=relu outscale=0.00390625
    ACT  acc=1024 rows=1024 cols=256 ub=262144 ustride=256 fn=relu outscale=0.00390625
    MMUL ub=0 ustride=256 rows=1024 cols=256 acc=0 switch          ; layer 22
    RDW  wm=1638400 wstride=256 rows=256 cols=256
    MMUL ub=262144 ustride=256 rows=1024 cols=256 acc=1024
    ACT  acc=0 rows=1024 cols=256 ub=524288 ustride=256 fn=relu outscale=0.00390625
    ACT  acc=1024 rows=1024 cols=256 ub=786432 ustride=256 fn=relu outscale=0.00390625
    MMUL ub=524288 ustride=256 rows=1024 cols=256 acc=0 switch          ; layer 23
    RDW  wm=1703936 wstride=256 rows=256 cols=256
    MMUL ub=786432 ustride=256 rows=1024 cols=256 acc=1024
    ACT  acc=0 rows=1024 cols=256 ub=0 ustride=256 fn=relu outscale=0.00390625
    ACT  acc=1024 rows=1024 cols=256 ub=262144 ustride=256 fn=relu outscale=0.00390625
    MMUL ub=0 ustride=256 rows=1024 cols=256 acc=0 switch          ; layer 24
    RDW  wm=1769472 wstride=256 rows=256 cols=256
    MMUL ub=262144 ustride=256 rows=1024 cols=256 acc=1024
    ACT  acc=0 rows=1024 cols=256 ub=524288 ustride=256 fn=relu outscale=0.00390625
    ACT  acc=1024 rows=1024 cols=256 ub=786432 ustride=256 fn=relu outscale=0.00390625
    MMUL ub=524288 ustride=256 rows=1024 cols=256 acc=0 switch          ; layer 25
    RDW  wm=1835008 wstride=256 rows=256 cols=256
    MMUL ub=786432 ustride=256 rows=1024 cols=256 acc=1024
    ACT  acc=0 rows=1024 cols=256 ub=0 ustride=256 fn=relu outscale=0.00390625
    ACT  acc=1024 rows=1024 cols=256 ub=262144 ustride=256 fn=relu outscale=0.00390625
    MMUL ub=0 ustride=256 rows=1024 cols=256 acc=0 switch          ; layer 26
    RDW  wm=1900544 wstride=256 rows=256 cols=256
    MMUL ub=262144 ustride=256 rows=1024 cols=256 acc=1024
    ACT  acc=0 rows=1024 cols=256 ub=524288 ustride=256 fn=relu outscale=0.00390625
    ACT  acc=1024 rows=1024 cols=256 ub=786432 ustride=256 fn=relu outscale=0.00390625
    MMUL ub=524288 ustride=256 rows=1024 cols=256 acc=0 switch          ; layer 27
    RDW  wm=1966080 wstride=256 rows=256 cols=256
    MMUL ub=786432 ustride=256 rows=1024 cols=256 acc=1024
    ACT  acc=0 rows=1024 cols=256 ub=0 ustride=256 fn=relu outscale=0.00390625
    ACT  acc=1024 rows=1024 cols=256 ub=262144 ustride=256 fn=relu outscale=0.00390625
    MMUL ub=0 ustride=256 rows=1024 cols=256 acc=0 switch          ; layer 28
    RDW  wm=2031616 wstride=256 rows=256 cols=256
    MMUL ub=262144 ustride=256 rows=1024 cols=256 acc=1024
    ACT  acc=0 rows=1024 cols=256 ub=524288 ustride=256 fn=relu outscale=0.00390625
    ACT  acc=1024 rows=1024 cols=256 ub=786432 ustride=256 fn=relu outscale=0.00390625
    MMUL ub=524288 ustride=256 rows=1024 cols=256 acc=0 switch          ; layer 29
    MMUL ub=786432 ustride=256 rows=1024 cols=256 acc=1024
    ACT  acc=0 rows=1024 cols=256 ub=0 ustride=256 fn=relu outscale=0.00390625
    ACT  acc=1024 rows=1024 cols=256 ub=262144 ustride=256 fn=relu outscale=0.00390625
    MMUL ub=0 ustride=256 rows=1024 cols=256 acc=0 switch          ; layer 30
    MMUL ub=262144 ustride=256 rows=1024 cols=256 acc=1024
    ACT  acc=0 rows=1024 cols=256 ub=524288 ustride=256 fn=relu outscale=0.00390625
    ACT  acc=1024 rows=1024 cols=256 ub=786432 ustride=256 fn=relu outscale=0.00390625
    MMUL ub=524288 ustride=256 rows=1024 cols=256 acc=0 switch          ; layer 31
    MMUL ub=786432 ustride=256 rows=1024 cols=256 acc=1024
    ACT  acc=0 rows=1024 cols=256 ub=0 ustride=256 fn=relu outscale=0.00390625
    ACT  acc=1024 rows=1024 cols=256 ub=262144 ustride=256 fn=relu outscale=0.00390625
    WHM  ub=0 ustride=256 host=524288 hstride=10 rows=2048 cols=10
    HALT
