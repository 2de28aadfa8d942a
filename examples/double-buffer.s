; tpusim: --array 4x4
; Double-buffered weights: while a pass streams 16 vectors through tile 1, tile 2 shifts into the
; shadow bank, and the switch costs no bubble (B = 16 >= R + C = 8 on a 4x4 array).
;   tpusim run examples/double-buffer.s --trace traces/double-buffer.vcd
; Watch `matrix_state` stay busy across the two passes and `fifo_tiles` drain.

.host 0
X:  .fill 64, 0.5          ; 16 vectors of 4
Z:  .zero 64

.weights 0
T1: .fill 16, 1
T2: .fill 16, -1

.text
    RHM  host=X hstride=4 ub=0 ustride=4 rows=16 cols=4
    RDW  wm=T1 wstride=4 rows=4 cols=4
    RDW  wm=T2 wstride=4 rows=4 cols=4
    MMUL ub=0 ustride=4 rows=16 cols=4 acc=0 switch
    MMUL ub=0 ustride=4 rows=16 cols=4 acc=16 switch
    WHMA acc=16 rows=16 cols=4 host=Z hstride=4
    HALT
