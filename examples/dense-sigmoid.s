; tpusim: --array 4x4
; One dense layer with bias and a sigmoid on a 4x4 array: y = sigmoid(x · W + b).
; The bias is a weight on a constant input lane (x has a trailing 1), as the compiler does it.
;   tpusim run examples/dense-sigmoid.s --json     (the header line above picks the 4x4 array)
; Two k-tiles (5 inputs incl. the constant lane > R = 4) accumulate in the accumulators; the second
; MMUL waits for the accumulator rule (t0' >= t0 + R + 1) and for its tile to shift in.

.host 0
X:  .f32 0.5, -1, 2, 0.25, 1        ; two input vectors, constant lane last
    .f32 1, 1, -0.5, 0, 1
Y:  .zero 6

.weights 0
W:  .f32 0.5, -0.25, 1               ; W is 5 x 3: rows = inputs, last row = bias
    .f32 1, 0.5, -1
    .f32 -0.5, 0.25, 0.5
    .f32 2, -1, 0
    .f32 0.125, 0.125, -0.125

.text
    RHM  host=X hstride=5 ub=0 ustride=5 rows=2 cols=5
    RDW  wm=W wstride=3 rows=4 cols=3               ; inputs 0..3
    RDW  wm=W+12 wstride=3 rows=1 cols=3            ; the bias row
    MMUL ub=0 ustride=5 rows=2 cols=4 acc=0 switch
    MMUL ub=4 ustride=5 rows=2 cols=1 acc=0 switch accumulate
    ACT  acc=0 rows=2 cols=3 ub=16 ustride=3 fn=sigmoid
    WHM  ub=16 ustride=3 host=Y hstride=3 rows=2 cols=3
    HALT
