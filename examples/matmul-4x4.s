; tpusim: --array 4x4
; C = A · B on a 4x4 array, exactly (WHMA reads the fp32 accumulators).
;   tpusim run examples/matmul-4x4.s     # prints C (host memory at 16) and the accumulators
; Timing (docs/ARCHITECTURE.md): the MMUL issues at t0 once the tile has shifted in (R = 4 cycles);
; its first result lands at t0 + R + 1, its last at t0 + B + R + C - 1 = t0 + 11.

.host 0
A:  .f32 1, 2, 3, 4
    .f32 5, 6, 7, 8
    .f32 -1, 0.5, 0.25, 2
    .f32 0, 0, 0, 1
C:  .zero 16

.weights 0
B:  .f32 1, 0, 0, 0       ; B = identity with one twist: column 3 sums the inputs
    .f32 0, 1, 0, 1
    .f32 0, 0, 1, 1
    .f32 0, 0, 0, 1

.text
    RHM  host=A hstride=4 ub=0 ustride=4 rows=4 cols=4       ; A -> unified buffer (host link)
    RDW  wm=B wstride=4 rows=4 cols=4                         ; B -> weight FIFO (weight memory)
    MMUL ub=0 ustride=4 rows=4 cols=4 acc=0 switch            ; 4 vectors through the array
    WHMA acc=0 rows=4 cols=4 host=C hstride=4                 ; exact results -> host
    HALT
