"""test_sample.py — cfy_sample end to end (spec §3, §5–7, §9) against a Python pipeline oracle:
prepare_noise, start scaling, CFG with distinct cond/uncond, noise masks, Differential Diffusion,
denoise < 1, KSamplerAdvanced step ranges, the Impact wrapper's rules, and bad input."""
import ctypes as C
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import sampling_oracle as O
import smp_bridge as sb
from test_noise import VARIANT

F = np.float32
B, CH, H, W = 2, 4, 8, 8
_MS = sb.sd_sampling()
O.PERCENT_TO_SIGMA = lambda p: sb.lib().cfy_ms_percent_to_sigma(C.byref(_MS), p)
SHAPE = (B, CH, H, W)
SCALE = 0.18215
SCHED = ["simple", "sgm_uniform", "karras", "exponential", "ddim_uniform", "beta", "normal", "linear_quadratic",
         "kl_optimal"]


def fake_unet(x_in, t, ctx, concat=None):
    """eps(x_in, t, context[, c_concat]): per-sample, per-channel smooth function (test only)."""
    if concat is not None:
        x_in = x_in + concat[:, :1] * 0.3 + concat[:, 1:] * 0.2
    a = torch.tensor([0.9, -0.7, 0.5, 1.1]).view(1, 4, 1, 1)
    b = torch.tensor([0.3, 0.2, -0.4, 0.1]).view(1, 4, 1, 1)
    c = torch.tensor([0.8, -0.5, 0.6, 0.4]).view(1, 4, 1, 1)
    m = ctx.mean(dim=(1, 2)).view(-1, 1, 1, 1)
    return torch.tanh(x_in * a + (t.view(-1, 1, 1, 1) / 1000.0) * b + m * c)


class Setup:
    def __init__(self, pos_ctx, neg_ctx, strength=1.0):
        self.ms = sb.sd_sampling()
        self.calls = 0

        def apply(impl, callp, outp, err):
            call = callp.contents
            x = torch.from_numpy(sb.cfy.to_numpy(call.x))
            t = torch.from_numpy(sb.cfy.to_numpy(call.timestep))
            ctx = torch.from_numpy(sb.cfy.to_numpy(call.context))
            cat = torch.from_numpy(sb.cfy.to_numpy(call.concat)) if call.concat else None
            assert (cat is not None) == (self.model.unet_in_channels == 9)
            self.calls += 1
            self.batches.append(int(x.shape[0]))
            outp[0] = sb.cfy.to_tensor(fake_unet(x, t, ctx, cat).numpy().astype(np.float32))
            return 0
        self.batches = []
        self._apply = sb.APPLY(apply)
        self.model = sb.Model()
        self.model.sampling = self.ms
        self.model.latent_channels = 4
        self.model.unet_in_channels = 4
        self.model.latent_scale_factor = SCALE
        self.model.apply = self._apply
        self.pos_t = sb.cfy.to_tensor(pos_ctx)
        self.neg_t = sb.cfy.to_tensor(neg_ctx)
        self.pe = (sb.CondEntry * 1)()
        self.pe[0].cond, self.pe[0].strength, self.pe[0].end_percent = self.pos_t, strength, 1.0
        self.ne = (sb.CondEntry * 1)()
        self.ne[0].cond, self.ne[0].strength, self.ne[0].end_percent = self.neg_t, 1.0, 1.0
        self.pos = sb.Conditioning(self.pe, 1)
        self.neg = sb.Conditioning(self.ne, 1)
        self.pos_ctx, self.neg_ctx = torch.from_numpy(pos_ctx), torch.from_numpy(neg_ctx)

    def params(self, **kw):
        p = sb.SampleParams()
        sb.lib().cfy_sample_params_init(C.byref(p))
        p.model = C.pointer(self.model)
        p.positive = C.pointer(self.pos)
        p.negative = C.pointer(self.neg)
        p.randn_variant = VARIANT
        for k, v in kw.items():
            setattr(p, k, v.encode() if isinstance(v, str) else v)
        return p

    def run(self, p, z, mask=None, batch_index=None):
        lat = sb.Latent()
        keep = [sb.cfy.to_tensor(z)]
        lat.samples = keep[0]
        if mask is not None:
            keep.append(sb.cfy.to_tensor(mask))
            lat.noise_mask = keep[-1]
        if batch_index is not None:
            bi = (C.c_int64 * len(batch_index))(*batch_index)
            keep.append(bi)
            lat.batch_index = bi
            lat.n_batch_index = len(batch_index)
        out = C.c_void_p()
        den = C.c_void_p()
        err = sb.Error()
        st = sb.lib().cfy_sample(C.byref(p), C.byref(lat), C.byref(out), C.byref(den), C.byref(err))
        if st != 0:
            return st, err, None, None
        lo = sb.Latent.from_address(sb.lib().cfy_value_object(out))
        ld = sb.Latent.from_address(sb.lib().cfy_value_object(den))
        r = sb.cfy.to_numpy(lo.samples), sb.cfy.to_numpy(ld.samples)
        assert bool(lo.noise_mask) == (mask is not None)
        sb.lib().cfy_value_release(out)
        sb.lib().cfy_value_release(den)
        for t in keep[: 1 + (mask is not None)]:
            sb.cfy.release(t)
        return 0, err, r[0], r[1]

    # ---------------- oracle
    def ref_sigmas(self, sampler, sched, steps, denoise=1.0, start=None, last=None, force_full=False):
        def calc(n):
            discard = sampler in ("dpm_2", "dpm_2_ancestral", "uni_pc", "uni_pc_bh2")
            s = sb.Sigmas()
            assert sb.lib().cfy_scheduler_sigmas(C.byref(self.ms), SCHED.index(sched), n + discard, C.byref(s),
                                                 None) == 0
            a = sb.sigmas_np(s)
            return np.delete(a, -2) if discard else a
        s = calc(steps) if denoise > 0.9999 else calc(int(steps / denoise))[-(steps + 1):]
        if last is not None and last < len(s) - 1:
            s = s[: last + 1].copy()
            if force_full:
                s[-1] = 0
        if start is not None:
            s = s[start:] if start < len(s) - 1 else s[:0]
        return s

    def timestep(self, sigma):
        ls = O.log(sigma)
        d = np.abs(F(ls) - np.array(self.ms.log_sigmas[:], np.float32))
        return int(np.argmin(d))

    def guided(self, x, sigma, cfg, with_u=False, concat=None):
        sigma = F(sigma)
        xs = x / O.t_(O.sqrt(F(F(sigma * sigma) + F(1))))
        t = torch.full((B,), float(self.timestep(sigma)))
        pos = self.pos_ctx.repeat(B, 1, 1)
        neg = self.neg_ctx.repeat(B, 1, 1)
        def den(out):
            if self.model.sampling.prediction == 1:  # v: x/(σ²+1) − out·σ/√(σ²+1)
                s2 = F(F(sigma * sigma) + F(1))
                return x / O.t_(s2) - (out * O.t_(sigma)) / O.t_(O.sqrt(s2))
            return x - out * O.t_(sigma)
        c = den(fake_unet(xs, t, pos, concat))
        use_neg = with_u or not math.isclose(cfg, 1.0, rel_tol=1e-9)
        u = den(fake_unet(xs, t, neg, concat)) if use_neg else torch.zeros_like(x)
        d = u + (c - u) * F(cfg) if use_neg else c
        return d, u

    def ref(self, sampler, sched, steps, cfg, seed, z, denoise=1.0, mask=None, add_noise=True, start=None, last=None,
            force_full=False, dd=None, batch_index=None, sigmas=None, impact_full=None):
        z = torch.from_numpy(z)
        sig = self.ref_sigmas(sampler, sched, steps, denoise, start, last, force_full) if sigmas is None else sigmas
        if len(sig) == 0:
            return z.numpy(), z.numpy()
        from test_noise import ref_prepare
        eps = torch.from_numpy(ref_prepare(seed, SHAPE, batch_index)) if add_noise else torch.zeros(SHAPE)
        L = z * F(SCALE) if bool((z != 0).any()) else z
        smax = F(self.ms.sigmas[999])
        maxd = sig[0] > smax or math.isclose(float(sig[0]), float(smax), rel_tol=1e-5)
        x = eps * O.t_(O.sqrt(F(F(1) + F(sig[0] * sig[0])))) + L if maxd else eps * O.t_(sig[0]) + L
        m = None
        if mask is not None:
            mm = torch.from_numpy(mask).reshape(-1, 1, mask.shape[-2], mask.shape[-1])
            mm = TF.interpolate(mm, size=(H, W), mode="bilinear", align_corners=False)
            m = mm.repeat(math.ceil(B / mm.shape[0]), CH, 1, 1)[:B]
        mnoise = eps
        if sampler == "ddim" and m is not None:
            mnoise = torch.randn(SHAPE, generator=torch.manual_seed(seed + 1))
        sig_to = max(F(self.ms.sigmas[0]), sig[-1])
        concat = None
        if self.model.unet_in_channels == 9:
            if m is not None:
                concat = torch.cat([m[:, :1].round(), L], dim=1)
            else:
                blank = torch.tensor([0.8223, -0.6876, 0.6364, 0.1380]).view(1, 4, 1, 1).repeat(B, 1, H, W)
                concat = torch.cat([torch.ones(B, 1, H, W), blank], dim=1)

        def model(xx, s, with_u=False):
            mk = m
            if mk is not None:
                if dd is not None:
                    tf, tt, tc = self.timestep(sig[0]), self.timestep(sig_to), self.timestep(s)
                    thr = torch.tensor(float(tc - tt)) / torch.tensor(float(tf - tt))
                    bm = (mk >= thr).to(mk.dtype)
                    mk = dd * bm + (1 - dd) * mk if 0 < dd < 1 else bm
                xx = xx * mk + (mnoise * O.t_(s) + L) * (1 - mk)
            d, u = self.guided(xx, s, cfg, with_u, concat)
            if mk is not None:
                d = d * mk + L * (1 - mk)
                u = u * mk + L * (1 - mk)
            return (d, u) if with_u else d
        last_d = []
        nsig = impact_full if impact_full is not None else sig
        ns = O.noise_sampler(O.NOISE.get(sampler), SHAPE, seed, nsig)
        x = O.SAMPLERS[sampler](model, x, sig, ns, cb=lambda i, d: last_d.append(d))
        return (x / F(SCALE)).numpy(), (last_d[-1] / F(SCALE)).numpy()


def ctx(seed, tokens=3, dim=8):
    return torch.randn(1, tokens, dim, generator=torch.Generator().manual_seed(seed)).numpy()


def latent(seed=11, zero=False):
    if zero:
        return np.zeros(SHAPE, np.float32)
    return torch.randn(SHAPE, generator=torch.Generator().manual_seed(seed)).numpy()


def exact(a, b):
    return int((np.asarray(a, np.float32).view(np.uint32) != np.asarray(b, np.float32).view(np.uint32)).sum())


@pytest.mark.parametrize("sampler,sched,steps,cfg,denoise,zero", [
    ("euler", "simple", 8, 7.5, 1.0, True),
    ("euler_ancestral", "karras", 6, 5.0, 1.0, True),
    ("heun", "normal", 5, 3.0, 0.7, False),
    ("dpm_2", "karras", 5, 4.0, 1.0, True),
    ("dpmpp_2m", "exponential", 7, 6.0, 0.55, False),
    ("dpmpp_2m_sde", "karras", 6, 7.0, 0.6, False),
    ("dpmpp_sde", "simple", 4, 2.0, 1.0, True),
    ("dpmpp_3m_sde", "sgm_uniform", 6, 7.0, 1.0, True),
    ("lcm", "sgm_uniform", 4, 1.0, 1.0, True),
    ("ddpm", "simple", 5, 3.0, 1.0, True),
    ("euler_cfg_pp", "simple", 5, 1.0, 1.0, True),
    ("dpmpp_2m_cfg_pp", "karras", 5, 1.5, 1.0, True),
    ("seeds_3", "beta", 4, 5.0, 1.0, True),
    ("res_multistep_ancestral_cfg_pp", "karras", 5, 1.2, 1.0, True),
    ("ipndm_v", "kl_optimal", 6, 4.0, 0.8, False),
    ("heunpp2", "linear_quadratic", 5, 4.0, 1.0, True),
    ("dpm_fast", "karras", 8, 5.0, 1.0, True),
    ("sa_solver_pece", "karras", 6, 5.0, 1.0, True),
])
def test_ksampler_vs_oracle(sampler, sched, steps, cfg, denoise, zero):
    s = Setup(ctx(1), ctx(2))
    z = latent(zero=zero)
    st, err, out, den = s.run(s.params(seed=77, steps=steps, cfg=cfg, sampler_name=sampler, scheduler=sched,
                                       denoise=denoise), z)
    assert st == 0, str(err)
    ref, ref_d = s.ref(sampler, sched, steps, cfg, 77, z, denoise)
    assert exact(out, ref) == 0, np.abs(out - ref).max()
    assert exact(den, ref_d) == 0


@pytest.mark.parametrize("sampler", ["uni_pc", "uni_pc_bh2", "lms"])
def test_ksampler_tolerant(sampler):
    s = Setup(ctx(1), ctx(2))
    z = latent(zero=True)
    st, err, out, _ = s.run(s.params(seed=5, steps=8, cfg=6.0, sampler_name=sampler, scheduler="karras"), z)
    assert st == 0, str(err)
    ref, _ = s.ref(sampler, "karras", 8, 6.0, 5, z)
    assert np.abs(out - ref).max() <= 1e-5 * np.abs(ref).max()


def test_cfg1_shortcut_skips_negative_and_batches_cond_uncond():
    s = Setup(ctx(1), ctx(2))
    st, err, out, _ = s.run(s.params(seed=1, steps=3, cfg=1.0, sampler_name="euler", scheduler="simple"), latent())
    assert st == 0 and s.calls == 3 and set(s.batches) == {B}
    s2 = Setup(ctx(1), ctx(2))
    st, err, out, _ = s2.run(s2.params(seed=1, steps=3, cfg=2.0, sampler_name="euler", scheduler="simple"), latent())
    assert st == 0 and s2.calls == 3 and set(s2.batches) == {2 * B}  # [negative, positive] in one call


@pytest.mark.parametrize("sampler,dd", [("euler", None), ("dpmpp_2m_sde", None), ("ddim", None),
                                        ("euler_ancestral", 1.0), ("heun", 0.4), ("euler", 0.4), ("euler", 0.5), ("dpmpp_2m", 0.0)])
def test_noise_mask_and_differential_diffusion(sampler, dd):
    s = Setup(ctx(1), ctx(2))
    if dd is not None:
        s.model.differential_diffusion = True
        s.model.differential_diffusion_strength = dd
    z = latent()
    mask = np.zeros((1, 4, 4), np.float32)
    mask[:, 1:3, :] = 1.0
    if dd is not None:
        mask = torch.rand((1, 4, 4), generator=torch.Generator().manual_seed(2)).numpy()
    st, err, out, den = s.run(s.params(seed=9, steps=6, cfg=4.0, sampler_name=sampler, scheduler="simple",
                                       denoise=0.8), z, mask=mask)
    assert st == 0, str(err)
    ref, ref_d = s.ref(sampler, "simple", 6, 4.0, 9, z, 0.8, mask=mask, dd=dd)
    if dd is not None and 0 < dd < 1:
        # a soft mask enters the blend directly: torch's bilinear resize differs from the spec's
        # formula by <= 1 ulp for some fractional weights (spec §6.1, unconfirmed order)
        assert np.abs(out - ref).max() <= 1e-5 * np.abs(ref).max()
    else:
        assert exact(out, ref) == 0, np.abs(out - ref).max()


@pytest.mark.parametrize("start,last,add_noise,force", [(0, 10000, True, True), (3, 7, True, False),
                                                        (2, 6, False, True), (4, 20, False, False), (9, 12, True, True)])
def test_ksampler_advanced_ranges(start, last, add_noise, force):
    s = Setup(ctx(1), ctx(2))
    z = latent()
    st, err, out, _ = s.run(s.params(seed=3, steps=9, cfg=5.0, sampler_name="euler_ancestral", scheduler="karras",
                                     start_step=start, last_step=last, add_noise=add_noise,
                                     force_full_denoise=force), z)
    assert st == 0, str(err)
    ref, _ = s.ref("euler_ancestral", "karras", 9, 5.0, 3, z, 1.0, add_noise=add_noise, start=start, last=last,
                   force_full=force)
    assert exact(out, ref) == 0


def test_batch_index_noise():
    s = Setup(ctx(1), ctx(2))
    z = latent(zero=True)
    st, err, out, _ = s.run(s.params(seed=21, steps=4, cfg=3.0, sampler_name="euler", scheduler="normal"), z,
                            batch_index=[3, 1])
    assert st == 0, str(err)
    ref, _ = s.ref("euler", "normal", 4, 3.0, 21, z, batch_index=[3, 1])
    assert exact(out, ref) == 0


@pytest.mark.parametrize("sampler", ["dpmpp_2m_sde", "dpmpp_sde", "dpmpp_2m_sde_heun"])
def test_impact_mode_returns_last_denoised_and_uses_full_schedule_for_brownian(sampler):
    s = Setup(ctx(1), ctx(2))
    z = latent()
    steps, dn = 6, 0.5
    p = s.params(seed=13, steps=steps, cfg=4.0, sampler_name=sampler, scheduler="karras", denoise=dn,
                 mode=1, return_last_denoised=True, force_full_denoise=True)
    st, err, out, den = s.run(p, z)
    assert st == 0, str(err)
    A = math.floor(steps / dn)
    full = s.ref_sigmas(sampler, "karras", A)
    sig = full[A - steps:]
    # the wrapper supplies the tree over the full schedule, except for dpmpp_2m_sde_heun (§9.3)
    tree = None if sampler == "dpmpp_2m_sde_heun" else full
    ref, ref_d = s.ref(sampler, "karras", steps, 4.0, 13, z, sigmas=sig, impact_full=tree)
    assert exact(out, ref_d) == 0 and exact(den, ref_d) == 0


def test_impact_scheduler_func_replaces_schedule():
    s = Setup(ctx(1), ctx(2))
    z = latent()
    seen = []

    def fn(user, model, sampler, steps, out, err):
        seen.append((sampler, steps))
        return sb.lib().cfy_sigmas_gits(1.2, steps, 1.0, out, None)
    cb = sb.SCHEDFN(fn)
    p = s.params(seed=4, steps=5, cfg=3.0, sampler_name="euler", scheduler="normal", denoise=0.5, mode=1,
                 scheduler_func=cb, return_last_denoised=True, force_full_denoise=True)
    st, err, out, den = s.run(p, z)
    assert st == 0, str(err)
    assert seen == [(b"euler", 10)]
    g = sb.Sigmas()
    sb.lib().cfy_sigmas_gits(1.2, 10, 1.0, C.byref(g), None)
    full = sb.sigmas_np(g)
    _, ref_d = s.ref("euler", "normal", 5, 3.0, 4, z, sigmas=full[5:])
    assert exact(out, ref_d) == 0


# ---------------------------------------------------------------- bad input
def bad(p, z=None, **kw):
    s = p[0]
    st, err, _, _ = s.run(p[1], latent() if z is None else z, **kw)
    return st, err.input.decode(), err.message.decode()


@pytest.mark.parametrize("field,value,inp", [("sampler_name", "eulerx", "sampler_name"),
                                             ("scheduler", "karras2", "scheduler"), ("steps", 0, "steps"),
                                             ("denoise", 0.0, "denoise"), ("denoise", 1.5, "denoise"),
                                             ("denoise", float("nan"), "denoise"), ("cfg", float("nan"), "cfg")])
def test_bad_inputs_name_the_input(field, value, inp):
    s = Setup(ctx(1), ctx(2))
    kw = dict(seed=1, steps=4, cfg=3.0, sampler_name="euler", scheduler="karras")
    kw[field] = value
    st, got_inp, msg = bad((s, s.params(**kw)))
    assert st != 0 and got_inp == inp, (st, got_inp, msg)
    if field == "sampler_name":
        assert "eulerx" in msg and "(list of length 44)" in msg  # ComfyUI's wording for long combos
    if field == "scheduler":
        assert "'kl_optimal'" in msg


@pytest.mark.parametrize("vals", [[3.0, float("nan"), 0.0], [1.0, 2.0, 0.0], [2.0, 2.0, 0.0], [2.0, -1.0]])
def test_scheduler_func_bad_sigmas(vals):
    s = Setup(ctx(1), ctx(2))

    def fn(user, model, sampler, steps, out, err):
        st = sb.lib().cfy_sigmas_alloc(out, len(vals), None)
        for i, v in enumerate(vals):
            out.contents.v[i] = v
        return st
    cb = sb.SCHEDFN(fn)
    st, inp, msg = bad((s, s.params(seed=1, steps=2, cfg=3.0, sampler_name="euler", scheduler="karras", mode=1,
                                    scheduler_func=cb)))
    assert st == 1 and inp == "sigmas", (st, inp, msg)


@pytest.mark.parametrize("with_mask", [True, False])
def test_inpaint_model_concat(with_mask):
    s = Setup(ctx(1), ctx(2))
    s.model.unet_in_channels = 9
    z = latent()
    mask = None
    if with_mask:
        mask = np.zeros((1, 16, 16), np.float32)
        mask[:, 4:12, 2:9] = 1.0
    st, err, out, _ = s.run(s.params(seed=8, steps=4, cfg=3.0, sampler_name="euler", scheduler="normal", denoise=0.9),
                            z, mask=mask)
    assert st == 0, str(err)
    ref, _ = s.ref("euler", "normal", 4, 3.0, 8, z, 0.9, mask=mask)
    assert exact(out, ref) == 0, np.abs(out - ref).max()


def test_sdxl_adm_vector():
    """SDXL's y (spec §1.8): pooled | e(h) | e(w) | e(0) | e(0) | e(h) | e(w), sinusoidal with cos first."""
    L = sb.lib()
    L.cfy_sdxl_adm.argtypes = [sb.FP, C.c_int64, C.c_int, C.POINTER(C.c_double), sb.FP]
    pooled = torch.randn(1280, generator=torch.Generator().manual_seed(4)).numpy()
    y = np.zeros(2816, np.float32)
    L.cfy_sdxl_adm(sb.fptr(pooled), 1280, 1280, (C.c_double * 6)(768.0, 1344.0, 0, 0, 768.0, 1344.0), sb.fptr(y))

    def emb(v):
        half = 128
        exponent = -math.log(10000) * torch.arange(start=0, end=half, dtype=torch.float32) / half
        args = torch.tensor([float(v)])[:, None].float() * torch.exp(exponent)[None]
        return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)[0].numpy()
    ref = np.concatenate([pooled] + [emb(v) for v in (768, 1344, 0, 0, 768, 1344)])
    # torch's vectorised exp (SLEEF) and glibc's expf differ by 1 ulp on some frequencies; at
    # v = 1344 that is ~1e-4 rad of argument, so compare to 2e-4 absolute
    assert np.abs(y - ref).max() <= 2e-4, np.abs(y - ref).max()
    assert np.array_equal(y[:1280], pooled)


def test_v_prediction():
    s = Setup(ctx(1), ctx(2))
    s.model.sampling.prediction = 1
    z = latent()
    st, err, out, _ = s.run(s.params(seed=6, steps=5, cfg=4.0, sampler_name="dpmpp_2m", scheduler="karras",
                                     denoise=0.7), z)
    assert st == 0, str(err)
    ref, _ = s.ref("dpmpp_2m", "karras", 5, 4.0, 6, z, 0.7)
    assert exact(out, ref) == 0, np.abs(out - ref).max()


def test_progress_and_interrupt():
    s = Setup(ctx(1), ctx(2))
    seen = []
    PROG = C.CFUNCTYPE(None, C.c_void_p, C.c_int, C.c_int, sb.FP, sb.FP)
    INTR = C.CFUNCTYPE(C.c_bool, C.c_void_p)
    prog = PROG(lambda u, i, total, x, d: seen.append((i, total)))
    stop = INTR(lambda u: len(seen) >= 3)
    p = s.params(seed=1, steps=6, cfg=3.0, sampler_name="heun", scheduler="karras")
    p.progress = C.cast(prog, C.c_void_p)
    p.interrupted = C.cast(stop, C.c_void_p)
    st, err, out, _ = s.run(p, latent())
    assert st == 9 and out is None  # CFY_EINTERRUPTED
    assert seen == [(0, 6), (1, 6), (2, 6)]
    seen.clear()
    p.interrupted = None
    st, err, out, _ = s.run(p, latent())
    assert st == 0 and [i for i, _ in seen] == list(range(6))


@pytest.mark.parametrize("max_batch", [1, 3])
def test_model_batch_limit_splits_calls(max_batch):
    s = Setup(ctx(1), ctx(2))
    s.model.max_batch = max_batch
    s.model.unet_in_channels = 9  # also exercises the inpaint concat per sub-batch
    z = latent()
    mask = np.zeros((2, 8, 8), np.float32)
    mask[0, 2:6, 1:4] = 1.0
    mask[1, 0:3, 3:8] = 1.0
    st, err, out, _ = s.run(s.params(seed=12, steps=3, cfg=5.0, sampler_name="euler", scheduler="simple",
                                     denoise=0.9), z, mask=mask)
    assert st == 0, str(err)
    assert max(s.batches) <= max_batch
    ref, _ = s.ref("euler", "simple", 3, 5.0, 12, z, 0.9, mask=mask)
    assert exact(out, ref) == 0, np.abs(out - ref).max()
