"""openclip_oracle — an eager OpenCLIP text tower written from OpenCLIP's architecture, reading the
checkpoint's own keys directly (SD2.x `cond_stage_model.model.*`, SDXL's bigG
`conditioner.embedders.1.model.*`; torch.nn.MultiheadAttention consumes the fused in_proj layout
as is). Independent of the exporter's key conversion to transformers.

Architecture (open_clip TextTransformer, as SD2's FrozenOpenCLIPEmbedder runs it): token
embedding + positional embedding; pre-norm residual blocks x += attn(ln_1(x)) with a causal
mask, x += c_proj(gelu(c_fc(ln_2(x)))); ln_final. ComfyUI takes a layer's output through
ln_final (penultimate by default) and the pooled output at the first EOS, times text_projection.
SDXL takes the layer outputs as they are, without ln_final (final_norm=False); its pooled output
still goes through ln_final.
"""
import torch
import torch.nn.functional as F

PREFIX = "cond_stage_model.model."
SDXL_G_PREFIX = "conditioner.embedders.1.model."


class OpenClipText(torch.nn.Module):
    def __init__(self, sd, heads, prefix=PREFIX, final_norm=True):
        super().__init__()
        self.w = {k[len(prefix):]: v.float() for k, v in sd.items() if k.startswith(prefix)}
        self.heads = heads
        self.final_norm = final_norm
        self.layers = len({k.split(".")[2] for k in self.w if k.startswith("transformer.resblocks.")})
        width = self.w["token_embedding.weight"].shape[1]
        self.attn = []
        for i in range(self.layers):
            a = torch.nn.MultiheadAttention(width, heads, batch_first=True)
            p = f"transformer.resblocks.{i}.attn."
            a.load_state_dict({"in_proj_weight": self.w[p + "in_proj_weight"], "in_proj_bias": self.w[p + "in_proj_bias"],
                               "out_proj.weight": self.w[p + "out_proj.weight"], "out_proj.bias": self.w[p + "out_proj.bias"]})
            self.attn.append(a.eval())

    def ln(self, x, name):
        return F.layer_norm(x, x.shape[-1:], self.w[name + ".weight"], self.w[name + ".bias"], 1e-5)

    @torch.no_grad()
    def forward(self, tokens, vectors=None):
        """tokens i64 [B,77] -> (hidden [L,B,77,D] each after ln_final unless final_norm is False,
        pooled [B,P] from the last layer after ln_final). A negative
        token takes its position's row of vectors [B,77,D] (a textual-inversion embedding)."""
        n = tokens.shape[1]
        x = self.w["token_embedding.weight"][tokens.clamp(min=0)]
        if vectors is not None:
            x = torch.where((tokens < 0)[..., None], vectors, x)
        x = x + self.w["positional_embedding"][:n]
        mask = torch.full((n, n), float("-inf")).triu(1)
        outs = []
        for i in range(self.layers):
            p = f"transformer.resblocks.{i}."
            h = self.ln(x, p + "ln_1")
            x = x + self.attn[i](h, h, h, attn_mask=mask, need_weights=False)[0]
            h = self.ln(x, p + "ln_2")
            h = F.gelu(F.linear(h, self.w[p + "mlp.c_fc.weight"], self.w[p + "mlp.c_fc.bias"]))
            x = x + F.linear(h, self.w[p + "mlp.c_proj.weight"], self.w[p + "mlp.c_proj.bias"])
            outs.append(self.ln(x, "ln_final") if self.final_norm else x)
        hs = torch.stack(outs)
        eos = (tokens == 49407).int().argmax(dim=-1)
        pooled = self.ln(x, "ln_final")[torch.arange(tokens.shape[0]), eos] @ self.w["text_projection"]
        return hs, pooled
