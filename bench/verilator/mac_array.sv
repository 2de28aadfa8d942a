// A weight-stationary R x C int8 MAC array equivalent to tpusim's detailed model
// (src/hw/systolic-array.ts), for the Verilator comparison in `npm run bench -- --only verilator`.
//   data setup: lane r of the vector latched at t (and its bank tag) enters row r at t+1+r
//   PE(r,c): activation and tag registers move one PE right per clock; the partial sum moves one PE
//            down: p <= p_above + a * w[bank] (a bubble, tag 0, passes p_above on)
//   two weight banks per PE, loaded by a gated shift (one row per clock, row 0 takes the input row)
module mac_array #(parameter int R = 16, parameter int C = 16) (
  input  logic              clk,
  input  logic [8*R-1:0]    in_vec,     // lane r at [8r+7:8r]
  input  logic [1:0]        in_tag,     // 0 bubble, 1 bank 0, 2 bank 1
  input  logic              shift_en,
  input  logic              shift_bank,
  input  logic [8*C-1:0]    shift_row,
  input  logic [32*C-1:0]   top,        // partial sums entering the top row
  output logic [32*C-1:0]   bottom      // partial sums leaving the bottom row
);
  logic signed [7:0]  a   [R][C];
  logic        [1:0]  g   [R][C];
  logic signed [31:0] p   [R][C];
  logic signed [7:0]  w0  [R][C];
  logic signed [7:0]  w1  [R][C];
  logic signed [7:0]  a_in [R];
  logic        [1:0]  g_in [R];

  // Systolic data setup: row r's lane and tag delayed r clocks.
  for (genvar r = 0; r < R; r++) begin : setup
    if (r == 0) begin : direct
      assign a_in[0] = in_vec[7:0];
      assign g_in[0] = in_tag;
    end else begin : delay
      logic signed [7:0] d  [r];
      logic        [1:0] dt [r];
      always_ff @(posedge clk) begin
        d[0]  <= in_vec[8*r +: 8];
        dt[0] <= in_tag;
        for (int k = 1; k < r; k++) begin
          d[k]  <= d[k-1];
          dt[k] <= dt[k-1];
        end
      end
      assign a_in[r] = d[r-1];
      assign g_in[r] = dt[r-1];
    end
  end

  for (genvar r = 0; r < R; r++) begin : row
    for (genvar c = 0; c < C; c++) begin : pe
      logic signed [31:0] p_above;
      logic signed [7:0]  w;
      if (r == 0) begin : first
        assign p_above = top[32*c +: 32];
      end else begin : inner
        assign p_above = p[r-1][c];
      end
      assign w = g[r][c] == 2'd2 ? w1[r][c] : w0[r][c];
      always_ff @(posedge clk) begin
        a[r][c] <= c == 0 ? a_in[r] : a[r][c-1];
        g[r][c] <= c == 0 ? g_in[r] : g[r][c-1];
        p[r][c] <= g[r][c] == 2'd0 ? p_above : p_above + 32'(a[r][c]) * 32'(w);
        if (shift_en && !shift_bank) w0[r][c] <= r == 0 ? shift_row[8*c +: 8] : w0[r-1][c];
        if (shift_en && shift_bank)  w1[r][c] <= r == 0 ? shift_row[8*c +: 8] : w1[r-1][c];
      end
    end
  end

  for (genvar c = 0; c < C; c++) begin : out
    assign bottom[32*c +: 32] = p[R-1][c];
  end
endmodule
