// SPDX-License-Identifier: MIT
// keep_pkg: the byte count of a beat's tkeep.
`default_nettype none

package keep_pkg;

// Bytes in a beat whose tkeep is contiguous from bit 0 (every Ethernet
// frame's beats): one more than the position of its last one, 0 for none.
// Found from the one-hot edge keep[i] && !keep[i+1] with an OR tree per
// result bit — 3 LUT levels at 64 lanes, where a "last one wins" loop is a
// priority chain of ~10. A non-contiguous tkeep gives an unspecified count.
// Narrower beats pass their tkeep zero-extended.
function automatic [6:0] keep_bytes(input [63:0] keep);
    logic [64:0] k;
    k = {1'b0, keep};
    keep_bytes = '0;
    for (int i = 0; i < 64; i = i + 1)
        if (k[i] && !k[i + 1])
            keep_bytes = keep_bytes | 7'(i + 1);
endfunction

endpackage

`default_nettype wire
