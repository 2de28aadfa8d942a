; tpusim: --array 8x8
; An 8x8 matrix product on an 8x8 array: the committed example trace (traces/examples/).
;   npm run example-trace      # regenerates traces/examples/matmul-8x8.{csv,vcd,perfetto.json,pe.csv}
; The first result lands at t0 + R + 1 = t0 + 9 and the last at t0 + B + R + C - 1 = t0 + 23.

.host 0
A:
    .f32 -5, 2, -2, 5, 1, -3, 4, 0
    .f32 -4, 3, -1, -5, 2, -2, 5, 1
    .f32 -3, 4, 0, -4, 3, -1, -5, 2
    .f32 -2, 5, 1, -3, 4, 0, -4, 3
    .f32 -1, -5, 2, -2, 5, 1, -3, 4
    .f32 0, -4, 3, -1, -5, 2, -2, 5
    .f32 1, -3, 4, 0, -4, 3, -1, -5
    .f32 2, -2, 5, 1, -3, 4, 0, -4
C:  .zero 64

.weights 0
B:
    .f32 -1.0, 0.25, -0.75, 0.5, -0.5, 0.75, -0.25, 1.0
    .f32 -0.25, 1.0, 0.0, -1.0, 0.25, -0.75, 0.5, -0.5
    .f32 0.5, -0.5, 0.75, -0.25, 1.0, 0.0, -1.0, 0.25
    .f32 -1.0, 0.25, -0.75, 0.5, -0.5, 0.75, -0.25, 1.0
    .f32 -0.25, 1.0, 0.0, -1.0, 0.25, -0.75, 0.5, -0.5
    .f32 0.5, -0.5, 0.75, -0.25, 1.0, 0.0, -1.0, 0.25
    .f32 -1.0, 0.25, -0.75, 0.5, -0.5, 0.75, -0.25, 1.0
    .f32 -0.25, 1.0, 0.0, -1.0, 0.25, -0.75, 0.5, -0.5

.text
    RHM  host=A hstride=8 ub=0 ustride=8 rows=8 cols=8
    RDW  wm=B wstride=8 rows=8 cols=8
    MMUL ub=0 ustride=8 rows=8 cols=8 acc=0 switch
    WHMA acc=0 rows=8 cols=8 host=C hstride=8
    HALT
