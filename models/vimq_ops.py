"""The two recurrences of the project's ONNX form (docs/models.md, DESIGN §3).

Each scan exists three times, and the tests hold the three together:
  * a plain PyTorch loop over tokens (`selective_scan_ref`, `ssd_scan_ref`), the model's forward;
  * a `torch.autograd.Function` whose `symbolic` emits one `ai.vimq::SelectiveScan` /
    `ai.vimq::SSDScan` node at export time;
  * a model-local ONNX FunctionProto (`selective_scan_function`, `ssd_scan_function`) whose body
    is standard ONNX (a Scan over tokens), so ONNX Runtime can run the exported file unchanged.
"""
import torch
from onnx import TensorProto, helper

DOMAIN = "ai.vimq"
DOMAIN_VERSION = 1
ONNX_OPSET = 17


def selective_scan_ref(u, delta, A, B, C, D=None):
    """u, delta [B,L,D]; A [D,N]; B, C [B,L,N]; D [D] or None -> y [B,L,D].

    h[b,d,n] <- exp(delta·A[d,n])·h + delta·u·B[b,t,n];  y = Σ_n h·C[b,t,n] + D[d]·u.
    delta is already softplus'ed. Tokens run sequentially, as the hardware does."""
    batch, length, dim = u.shape
    h = u.new_zeros(batch, dim, A.shape[1])
    ys = []
    for t in range(length):
        d_t = delta[:, t, :, None]
        h = torch.exp(d_t * A) * h + (d_t * u[:, t, :, None]) * B[:, t, None, :]
        ys.append((h * C[:, t, None, :]).sum(-1))
    y = torch.stack(ys, dim=1)
    return y if D is None else y + u * D


def ssd_scan_ref(x, dt, A, B, C, D=None):
    """x [B,L,H,P]; dt [B,L,H]; A [H]; B, C [B,L,G,N]; D [H] or None -> y [B,L,H,P].

    Head h reads group h // (H/G). S[b,h,p,n] <- exp(dt·A[h])·S + dt·x[p]·B[g,n];
    y[p] = Σ_n S[p,n]·C[g,n] + D[h]·x[p]."""
    batch, length, heads, headdim = x.shape
    groups = B.shape[2]
    if heads % groups:
        raise ValueError("SSDScan: %d heads are not divisible by %d groups" % (heads, groups))
    Bh = B.repeat_interleave(heads // groups, dim=2)  # [B,L,H,N]
    Ch = C.repeat_interleave(heads // groups, dim=2)
    S = x.new_zeros(batch, heads, headdim, B.shape[3])
    ys = []
    for t in range(length):
        dt_t = dt[:, t, :]  # [B,H]
        decay = torch.exp(dt_t * A)[:, :, None, None]
        S = decay * S + (dt_t[:, :, None] * x[:, t])[..., None] * Bh[:, t, :, None, :]
        ys.append((S * Ch[:, t, :, None, :]).sum(-1))
    y = torch.stack(ys, dim=1)
    return y if D is None else y + x * D[:, None]


class SelectiveScanFn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, u, delta, A, B, C, D):
        # While exporting, the tracer would record every loop step (minutes for ViM-tiny); the
        # value is irrelevant there because `symbolic` replaces the whole call by one node.
        if torch.onnx.is_in_onnx_export():
            return torch.zeros_like(u)
        return selective_scan_ref(u, delta, A, B, C, D)

    @staticmethod
    def symbolic(g, u, delta, A, B, C, D):
        y = g.op(DOMAIN + "::SelectiveScan", u, delta, A, B, C, D)
        y.setType(u.type())
        return y


class SSDScanFn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, dt, A, B, C, D):
        if torch.onnx.is_in_onnx_export():  # see SelectiveScanFn.forward
            return torch.zeros_like(x)
        return ssd_scan_ref(x, dt, A, B, C, D)

    @staticmethod
    def symbolic(g, x, dt, A, B, C, D):
        y = g.op(DOMAIN + "::SSDScan", x, dt, A, B, C, D)
        y.setType(x.type())
        return y


def _differentiable(*tensors):
    """True when autograd must see through the scan (training): the Functions above have no
    backward, they only carry the export's `symbolic`; outside an export the loop reference
    computes the same values and is differentiable."""
    return (not torch.onnx.is_in_onnx_export() and torch.is_grad_enabled() and
            any(t.requires_grad for t in tensors))


def selective_scan(u, delta, A, B, C, D):
    if _differentiable(u, delta, A, B, C, D):
        return selective_scan_ref(u, delta, A, B, C, D)
    return SelectiveScanFn.apply(u, delta, A, B, C, D)


def ssd_scan(x, dt, A, B, C, D):
    if _differentiable(x, dt, A, B, C, D):
        return ssd_scan_ref(x, dt, A, B, C, D)
    return SSDScanFn.apply(x, dt, A, B, C, D)


# --- FunctionProto bodies ------------------------------------------------------------------------
# Every name below is local to its function. Shapes are taken from the inputs at run time, so one
# function serves every batch, length and width.

def _ints(name, values):
    return helper.make_node("Constant", [], [name], value=helper.make_tensor(
        name, TensorProto.INT64, [len(values)], list(values)))


def _dims(src, out, start, end):
    """out = shape(src)[start:end] as Shape + Slice: Shape's own start/end need opset 15, and
    the bodies must also load in models of opset 13 and 14 (torch 1.13's default)."""
    return [_ints(out + "_start", [start]), _ints(out + "_end", [end]),
            helper.make_node("Shape", [src], [out + "_all"]),
            helper.make_node("Slice", [out + "_all", out + "_start", out + "_end"], [out])]


def _float_scalar(name, value):
    return helper.make_node("Constant", [], [name], value=helper.make_tensor(
        name, TensorProto.FLOAT, [], [value]))


def _selective_scan_body():
    """Scan step: state h [B,D,N]; per token u_t, d_t [B,D], B_t, C_t [B,N]. A [D,N] is read
    from the enclosing function scope."""
    n = helper.make_node
    nodes = [
        _ints("ax1", [1]), _ints("ax2", [2]),
        n("Unsqueeze", ["d_t", "ax2"], ["d3"]),               # [B,D,1]
        n("Mul", ["d3", "A"], ["dA"]),                        # [B,D,N]
        n("Exp", ["dA"], ["decay"]),
        n("Mul", ["decay", "h_in"], ["h_keep"]),
        n("Mul", ["d_t", "u_t"], ["du"]),                     # [B,D]
        n("Unsqueeze", ["du", "ax2"], ["du3"]),               # [B,D,1]
        n("Unsqueeze", ["B_t", "ax1"], ["B3"]),               # [B,1,N]
        n("Mul", ["du3", "B3"], ["dBu"]),
        n("Add", ["h_keep", "dBu"], ["h_out"]),
        n("Unsqueeze", ["C_t", "ax1"], ["C3"]),
        n("Mul", ["h_out", "C3"], ["hC"]),
        n("ReduceSum", ["hC", "ax2"], ["y_t"], keepdims=0),   # [B,D]
    ]
    f = TensorProto.FLOAT
    vi = helper.make_tensor_value_info
    return helper.make_graph(
        nodes, "selective_scan_step",
        [vi("h_in", f, None), vi("u_t", f, None), vi("d_t", f, None), vi("B_t", f, None),
         vi("C_t", f, None)],
        [vi("h_out", f, None), vi("y_t", f, None)])


def selective_scan_function():
    """FunctionProto ai.vimq::SelectiveScan(u, delta, A, B, C, Dskip) -> y."""
    n = helper.make_node
    perm = [1, 0, 2]
    nodes = [
        n("Transpose", ["u"], ["uT"], perm=perm),             # tokens first: [L,B,D]
        n("Transpose", ["delta"], ["dT"], perm=perm),
        n("Transpose", ["B"], ["BT"], perm=perm),
        n("Transpose", ["C"], ["CT"], perm=perm),
        *_dims("u", "batch", 0, 1),
        n("Shape", ["A"], ["dn"]),
        n("Concat", ["batch", "dn"], ["h_shape"], axis=0),    # [B,D,N]
        _float_scalar("zero", 0.0),
        n("Expand", ["zero", "h_shape"], ["h0"]),
        n("Scan", ["h0", "uT", "dT", "BT", "CT"], ["h_last", "yT"], num_scan_inputs=4,
          body=_selective_scan_body()),
        n("Transpose", ["yT"], ["y_scan"], perm=perm),
        n("Mul", ["u", "Dskip"], ["skip"]),
        n("Add", ["y_scan", "skip"], ["y"]),
    ]
    return helper.make_function(DOMAIN, "SelectiveScan", ["u", "delta", "A", "B", "C", "Dskip"],
                                ["y"], nodes, [helper.make_opsetid("", ONNX_OPSET)])


def _ssd_scan_body():
    """Scan step: state S [B,H,P,N]; per token x_t [B,H,P], dt_t [B,H], B_t, C_t [B,H,N] (groups
    already broadcast to heads). A [H] comes from the enclosing function scope."""
    n = helper.make_node
    nodes = [
        # Names differ from the enclosing function's: ONNX wants SSA across subgraph scopes.
        _ints("step_ax2", [2]), _ints("step_ax3", [3]), _ints("step_ax23", [2, 3]),
        n("Mul", ["dt_t", "A"], ["dA"]),                      # [B,H]
        n("Exp", ["dA"], ["decay"]),
        n("Unsqueeze", ["decay", "step_ax23"], ["decay4"]),        # [B,H,1,1]
        n("Mul", ["decay4", "S_in"], ["S_keep"]),
        n("Unsqueeze", ["dt_t", "step_ax2"], ["dt3"]),             # [B,H,1]
        n("Mul", ["dt3", "x_t"], ["dtx"]),                    # [B,H,P]
        n("Unsqueeze", ["dtx", "step_ax3"], ["dtx4"]),             # [B,H,P,1]
        n("Unsqueeze", ["B_t", "step_ax2"], ["B4"]),               # [B,H,1,N]
        n("Mul", ["dtx4", "B4"], ["dBx"]),
        n("Add", ["S_keep", "dBx"], ["S_out"]),
        n("Unsqueeze", ["C_t", "step_ax2"], ["C4"]),
        n("Mul", ["S_out", "C4"], ["SC"]),
        n("ReduceSum", ["SC", "step_ax3"], ["y_t"], keepdims=0),   # [B,H,P]
    ]
    f = TensorProto.FLOAT
    vi = helper.make_tensor_value_info
    return helper.make_graph(
        nodes, "ssd_scan_step",
        [vi("S_in", f, None), vi("x_t", f, None), vi("dt_t", f, None), vi("B_t", f, None),
         vi("C_t", f, None)],
        [vi("S_out", f, None), vi("y_t", f, None)])


def ssd_scan_function():
    """FunctionProto ai.vimq::SSDScan(x, dt, A, B, C, Dskip) -> y."""
    n = helper.make_node
    nodes = [
        n("Transpose", ["x"], ["xT"], perm=[1, 0, 2, 3]),     # tokens first: [L,B,H,P]
        n("Transpose", ["dt"], ["dtT"], perm=[1, 0, 2]),
        # Broadcast the G groups of B and C to the H heads: [L,B,G,N] -> [L,B,G,H/G,N] ->
        # [L,B,H,N]; head h then reads group h // (H/G).
        *_dims("x", "heads", 2, 3),
        *_dims("B", "groups", 2, 3),
        *_dims("B", "lb", 0, 2),
        *_dims("B", "nstate", 3, 4),
        n("Div", ["heads", "groups"], ["rep"]),
        _ints("ax3", [3]),
        _ints("one", [1]),
        *_dims("B", "bl_g", 0, 3),
        n("Concat", ["bl_g", "rep", "nstate"], ["exp_shape"], axis=0),
        n("Concat", ["lb", "heads", "nstate"], ["heads_shape"], axis=0),
        n("Unsqueeze", ["B", "ax3"], ["B5"]),
        n("Expand", ["B5", "exp_shape"], ["B5e"]),
        n("Reshape", ["B5e", "heads_shape"], ["Bh"]),         # [B,L,H,N]
        n("Unsqueeze", ["C", "ax3"], ["C5"]),
        n("Expand", ["C5", "exp_shape"], ["C5e"]),
        n("Reshape", ["C5e", "heads_shape"], ["Ch"]),
        n("Transpose", ["Bh"], ["BT"], perm=[1, 0, 2, 3]),
        n("Transpose", ["Ch"], ["CT"], perm=[1, 0, 2, 3]),
        *_dims("x", "bhp", 0, 1),
        *_dims("x", "hp", 2, 4),
        n("Concat", ["bhp", "hp", "nstate"], ["S_shape"], axis=0),  # [B,H,P,N]
        _float_scalar("zero", 0.0),
        n("Expand", ["zero", "S_shape"], ["S0"]),
        n("Scan", ["S0", "xT", "dtT", "BT", "CT"], ["S_last", "yT"], num_scan_inputs=4,
          body=_ssd_scan_body()),
        n("Transpose", ["yT"], ["y_scan"], perm=[1, 0, 2, 3]),
        n("Unsqueeze", ["Dskip", "one"], ["D2"]),             # [H,1]
        n("Mul", ["x", "D2"], ["skip"]),
        n("Add", ["y_scan", "skip"], ["y"]),
    ]
    return helper.make_function(DOMAIN, "SSDScan", ["x", "dt", "A", "B", "C", "Dskip"], ["y"],
                                nodes, [helper.make_opsetid("", ONNX_OPSET)])


FUNCTIONS = {"SelectiveScan": selective_scan_function, "SSDScan": ssd_scan_function}


def attach_functions(model):
    """Appends the FunctionProto of every ai.vimq op the graph uses and makes sure the model
    imports the ai.vimq domain. Idempotent."""
    used = sorted({node.op_type for node in model.graph.node if node.domain == DOMAIN})
    unknown = [op for op in used if op not in FUNCTIONS]
    if unknown:
        raise ValueError("graph uses unknown %s ops: %s" % (DOMAIN, ", ".join(unknown)))
    have = {(f.domain, f.name) for f in model.functions}
    # The bodies use only ops whose opset-13 form is also valid (Unsqueeze/Slice with inputs).
    # A model exported with opset 13..16 gets bodies importing its own opset: the ONNX checker
    # refuses a function whose ops (Scan changed in 16) are defined differently from the
    # model's opset, and ONNX Runtime inlines the bodies with the model's opset.
    model_opset = max((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")),
                      default=ONNX_OPSET)
    for op in used:
        if (DOMAIN, op) not in have:
            fn = FUNCTIONS[op]()
            if 13 <= model_opset < ONNX_OPSET:
                for o in fn.opset_import:
                    if o.domain in ("", "ai.onnx"):
                        o.version = model_opset
            model.functions.append(fn)
    if not any(o.domain == DOMAIN for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid(DOMAIN, DOMAIN_VERSION))
    return model


def single_op_model(op, shapes):
    """A one-node model running `op` (with its function attached): used by the tests to check
    the function bodies against the loops. `shapes` lists the six input shapes in node order."""
    names = ["u", "delta", "A", "B", "C", "Dskip"] if op == "SelectiveScan" else \
        ["x", "dt", "A", "B", "C", "Dskip"]
    f = TensorProto.FLOAT
    inputs = [helper.make_tensor_value_info(nm, f, list(s)) for nm, s in zip(names, shapes)]
    out = helper.make_tensor_value_info("y", f, list(shapes[0]))
    node = helper.make_node(op, names, ["y"], domain=DOMAIN)
    graph = helper.make_graph([node], op.lower(), inputs, [out])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", ONNX_OPSET)],
                              ir_version=8)
    return attach_functions(model)
