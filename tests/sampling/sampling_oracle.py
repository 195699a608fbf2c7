"""sampling_oracle.py — a Python oracle of ComfyUI's samplers, written from spec sampling.md §4
(float32 torch tensors for the per-element arithmetic, evaluation order as the spec writes it).

Scalar sigma arithmetic (0-dim tensors in ComfyUI) uses glibc's logf/expf/expm1f/sqrtf through
ctypes: the spec (§0.4) verified ComfyUI against those on PyTorch's scalar kernels, while torch
2.13's vectorised CPU kernels use SLEEF/MKL and differ by ulps. This oracle is not imported
from the code under test."""
import ctypes as C

import numpy as np
import torch

_m = C.CDLL("libm.so.6")
for _f in ("logf", "expf", "expm1f", "sqrtf", "powf"):
    getattr(_m, _f).restype = C.c_float
    getattr(_m, _f).argtypes = [C.c_float] * (2 if _f == "powf" else 1)

F = np.float32


def log(x): return F(_m.logf(F(x)))
def exp(x): return F(_m.expf(F(x)))
def expm1(x): return F(_m.expm1f(F(x)))
def sqrt(x): return F(_m.sqrtf(F(x)))
def t_(v): return torch.tensor(F(v))  # 0-dim float32 tensor


def ancestral(sf, st, eta=1.0):
    sf, st = F(sf), F(st)
    if not eta:
        return st, F(0)
    up = F(eta) * sqrt(F(F(st * st) * F(F(sf * sf) - F(st * st))) / F(sf * sf))
    up = min(st, up)
    down = sqrt(F(st * st) - F(up * up))
    return down, up


def to_d(x, sigma, d):
    return (x - d) / t_(sigma)


def euler(model, x, sig, noise=None, cb=None):
    for i in range(len(sig) - 1):
        d = model(x, sig[i])
        x = x + to_d(x, sig[i], d) * t_(F(sig[i + 1] - sig[i]))
        cb and cb(i, d)
    return x


def euler_ancestral(model, x, sig, noise, cb=None):
    for i in range(len(sig) - 1):
        den = model(x, sig[i])
        sd, su = ancestral(sig[i], sig[i + 1])
        if sd == 0:
            x = den
        else:
            d = to_d(x, sig[i], den)
            x = (x + d * t_(F(sd - sig[i]))) + (noise(sig[i], sig[i + 1]) * 1.0) * t_(su)
        cb and cb(i, den)
    return x


def heun(model, x, sig, noise=None, cb=None):
    for i in range(len(sig) - 1):
        den = model(x, sig[i])
        d = to_d(x, sig[i], den)
        dt = t_(F(sig[i + 1] - sig[i]))
        if sig[i + 1] == 0:
            x = x + d * dt
        else:
            x2 = x + d * dt
            d2 = to_d(x2, sig[i + 1], model(x2, sig[i + 1]))
            x = x + ((d + d2) / 2) * dt
        cb and cb(i, den)
    return x


def _dpm2(model, x, sig, noise, cb, anc):
    for i in range(len(sig) - 1):
        den = model(x, sig[i])
        tgt, su = ancestral(sig[i], sig[i + 1]) if anc else (F(sig[i + 1]), F(0))
        d = to_d(x, sig[i], den)
        if tgt == 0:
            x = x + d * t_(F(tgt - sig[i]))
        else:
            la, lb = log(sig[i]), log(tgt)
            sm = exp(F(lb - F(F(lb - la) * F(0.5))))
            x2 = x + d * t_(F(sm - sig[i]))
            d2 = to_d(x2, sm, model(x2, sm))
            x = x + d2 * t_(F(tgt - sig[i]))
            if anc:
                x = x + (noise(sig[i], sig[i + 1]) * 1.0) * t_(su)
        cb and cb(i, den)
    return x


def dpm_2(model, x, sig, noise=None, cb=None): return _dpm2(model, x, sig, noise, cb, False)
def dpm_2_ancestral(model, x, sig, noise, cb=None): return _dpm2(model, x, sig, noise, cb, True)


def _lms_coeff(order, t, i, j):
    import scipy.integrate

    def fn(tau):
        prod = 1.0
        for k in range(order):
            if j == k:
                continue
            prod *= (tau - t[i - k]) / (t[i - j] - t[i - k])
        return prod
    return scipy.integrate.quad(fn, t[i], t[i + 1], epsrel=1e-4)[0]


def lms(model, x, sig, noise=None, cb=None, order=4):
    ds = []
    s64 = [float(v) for v in sig]
    for i in range(len(sig) - 1):
        den = model(x, sig[i])
        ds.append(to_d(x, sig[i], den))
        if len(ds) > order:
            ds.pop(0)
        if sig[i + 1] == 0:
            x = den
        else:
            cur = min(i + 1, order)
            cs = [_lms_coeff(cur, s64, i, j) for j in range(cur)]
            acc = None
            for c, d in zip(cs, reversed(ds)):
                term = t_(c) * d
                acc = term if acc is None else acc + term
            x = x + acc
        cb and cb(i, den)
    return x


def ipndm(model, x, sig, noise=None, cb=None):
    buf = []
    for i in range(len(sig) - 1):
        den = model(x, sig[i])
        d = to_d(x, sig[i], den)
        p = min(4, len(buf) + 1)
        h = t_(F(sig[i + 1] - sig[i]))
        if sig[i + 1] == 0:
            x = den
        elif p == 1:
            x = x + h * d
        elif p == 2:
            x = x + h * (3 * d - buf[-1]) / 2
        elif p == 3:
            x = x + h * (23 * d - 16 * buf[-1] + 5 * buf[-2]) / 12
        else:
            x = x + h * (55 * d - 59 * buf[-1] + 37 * buf[-2] - 9 * buf[-3]) / 24
        buf.append(d)
        buf = buf[-3:]
        cb and cb(i, den)
    return x


def gradient_estimation(model, x, sig, noise=None, cb=None, ge_gamma=2.0):
    old = None
    for i in range(len(sig) - 1):
        den = model(x, sig[i])
        d = to_d(x, sig[i], den)
        dt = t_(F(sig[i + 1] - sig[i]))
        if sig[i + 1] == 0:
            x = den
        else:
            x = x + d * dt
            if i >= 1:
                x = x + ((ge_gamma - 1) * (d - old)) * dt
        old = d
        cb and cb(i, den)
    return x


def dpmpp_2m(model, x, sig, noise=None, cb=None):
    old = None
    for i in range(len(sig) - 1):
        den = model(x, sig[i])
        t, tn = F(-log(sig[i])), F(-log(sig[i + 1]))
        h = F(tn - t)
        ratio = t_(F(exp(-tn) / exp(-t)))
        em = t_(expm1(-h))
        if old is None or sig[i + 1] == 0:
            x = ratio * x - em * den
        else:
            hl = F(t - F(-log(sig[i - 1])))
            r = F(hl / h)
            inv = F(F(1) / F(2 * r))
            dd = t_(F(1 + inv)) * den - t_(inv) * old
            x = ratio * x - em * dd
        old = den
        cb and cb(i, den)
    return x


def dpmpp_2s_ancestral(model, x, sig, noise, cb=None):
    for i in range(len(sig) - 1):
        den = model(x, sig[i])
        sd, su = ancestral(sig[i], sig[i + 1])
        if sd == 0:
            x = x + to_d(x, sig[i], den) * t_(F(sd - sig[i]))
        else:
            t, tn = F(-log(sig[i])), F(-log(sd))
            h = F(tn - t)
            s = F(t + F(h * F(0.5)))
            x2 = t_(F(exp(-s) / exp(-t))) * x - t_(expm1(F(-h * F(0.5)))) * den
            d2 = model(x2, exp(-s))
            x = t_(F(exp(-tn) / exp(-t))) * x - t_(expm1(-h)) * d2
        if sig[i + 1] > 0:
            x = x + (noise(sig[i], sig[i + 1]) * 1.0) * t_(su)
        cb and cb(i, den)
    return x


def dpmpp_sde(model, x, sig, noise, cb=None, eta=1.0, s_noise=1.0, r=0.5):
    r = F(r)
    for i in range(len(sig) - 1):
        den = model(x, sig[i])
        if sig[i + 1] == 0:
            x = den
        else:
            ls, lt = F(-log(sig[i])), F(-log(sig[i + 1]))
            h = F(lt - ls)
            l1 = F(ls + F(r * h))
            s1 = exp(-l1)
            fac = F(F(1) / F(2 * r))
            a_s, a1, a_t = F(sig[i] * exp(ls)), F(s1 * exp(l1)), F(sig[i + 1] * exp(lt))
            sd, su = ancestral(exp(-ls), exp(-l1), eta)
            hp = F(F(-log(sd)) - ls)
            x2 = t_(F(F(a1 / a_s) * exp(-hp))) * x - t_(F(a1 * expm1(-hp))) * den
            x2 = x2 + ((t_(a1) * noise(sig[i], s1)) * s_noise) * t_(su)
            d2 = model(x2, s1)
            sd, su = ancestral(exp(-ls), exp(-lt), eta)
            hp = F(F(-log(sd)) - ls)
            dd = t_(F(1 - fac)) * den + t_(fac) * d2
            x = t_(F(F(a_t / a_s) * exp(-hp))) * x - t_(F(a_t * expm1(-hp))) * dd
            x = x + ((t_(a_t) * noise(sig[i], sig[i + 1])) * s_noise) * t_(su)
        cb and cb(i, den)
    return x


def _sde_multi(model, x, sig, noise, cb, solver, eta=1.0, s_noise=1.0):
    d1 = d2 = None
    h = h1 = h2 = None
    for i in range(len(sig) - 1):
        den = model(x, sig[i])
        if sig[i + 1] == 0:
            x = den
        else:
            ls, lt = F(-log(sig[i])), F(-log(sig[i + 1]))
            h = F(lt - ls)
            heta = F(h * F(eta + 1))
            at = F(sig[i + 1] * exp(lt))
            em = F(-expm1(-heta))
            x = t_(F(F(sig[i + 1] / sig[i]) * exp(F(-h * F(eta))))) * x + t_(F(at * em)) * den
            if solver == "3m":
                if h2 is not None:
                    r0, r1 = F(h1 / h), F(h2 / h)
                    dl0 = (den - d1) / t_(r0)
                    dl1 = (d1 - d2) / t_(r1)
                    e1 = dl0 + ((dl0 - dl1) * t_(r0)) / t_(F(r0 + r1))
                    e2 = (dl0 - dl1) / t_(F(r0 + r1))
                    phi2 = F(F(expm1(-heta) / heta) + F(1))
                    phi3 = F(F(phi2 / heta) - F(0.5))
                    x = (x + t_(F(at * phi2)) * e1) - t_(F(at * phi3)) * e2
                elif h1 is not None:
                    r0 = F(h1 / h)
                    dl0 = (den - d1) / t_(r0)
                    phi2 = F(F(expm1(-heta) / heta) + F(1))
                    x = x + t_(F(at * phi2)) * dl0
            elif d1 is not None:
                r = F(h1 / h)
                if solver == "heun":
                    coef = F(F(at * F(F(em / F(-heta)) + F(1))) * F(F(1) / r))
                else:
                    coef = F(F(F(F(0.5) * at) * em) * F(F(1) / r))
                x = x + t_(coef) * (den - d1)
            nc = sqrt(F(-expm1(F(F(F(-2) * h) * F(eta)))))
            x = x + ((noise(sig[i], sig[i + 1]) * t_(sig[i + 1])) * t_(nc)) * s_noise
        d2, d1 = d1, den
        h2, h1 = h1, h
        cb and cb(i, den)
    return x


def dpmpp_2m_sde(model, x, sig, noise, cb=None): return _sde_multi(model, x, sig, noise, cb, "midpoint")
def dpmpp_2m_sde_heun(model, x, sig, noise, cb=None): return _sde_multi(model, x, sig, noise, cb, "heun")
def dpmpp_3m_sde(model, x, sig, noise, cb=None): return _sde_multi(model, x, sig, noise, cb, "3m")


def ddpm(model, x, sig, noise, cb=None):
    for i in range(len(sig) - 1):
        s, sn = F(sig[i]), F(sig[i + 1])
        den = model(x, s)
        xt = x / t_(sqrt(F(F(1) + F(s * s))))
        eps = (x - den) / t_(s)
        ab = F(F(1) / F(F(s * s) + F(1)))
        abn = F(F(1) / F(F(sn * sn) + F(1)))
        a = F(ab / abn)
        mu = t_(sqrt(F(F(1) / a))) * (xt - (t_(F(1 - a)) * eps) / t_(sqrt(F(1 - ab))))
        if sn > 0:
            mu = mu + t_(sqrt(F(F(F(1 - a) * F(1 - abn)) / F(1 - ab)))) * noise(s, sn)
        x = mu
        if sn != 0:
            x = x * t_(sqrt(F(F(1) + F(sn * sn))))
        cb and cb(i, den)
    return x


def lcm(model, x, sig, noise, cb=None):
    for i in range(len(sig) - 1):
        den = model(x, sig[i])
        x = den
        if sig[i + 1] > 0:
            x = noise(sig[i], sig[i + 1]) * t_(sig[i + 1]) + x
        cb and cb(i, den)
    return x


# ---- CFG++: model returns (D, U) ----
def _euler_cfgpp(model, x, sig, noise, cb, eta, s_noise):
    for i in range(len(sig) - 1):
        den, unc = model(x, sig[i], True)
        if sig[i + 1] == 0:
            x = den
        else:
            a_s = F(sig[i] * exp(F(-log(sig[i]))))
            a_t = F(sig[i + 1] * exp(F(-log(sig[i + 1]))))
            d = (x - t_(a_s) * unc) / t_(sig[i])
            sd, su = ancestral(F(sig[i] / a_s), F(sig[i + 1] / a_t), eta)
            sd = F(a_t * sd)
            x = t_(a_t) * den + t_(sd) * d
            if eta > 0 and s_noise > 0:
                x = x + ((t_(a_t) * noise(sig[i], sig[i + 1])) * s_noise) * t_(su)
        cb and cb(i, den)
    return x


def euler_cfg_pp(model, x, sig, noise, cb=None): return _euler_cfgpp(model, x, sig, noise, cb, 0.0, 0.0)
def euler_ancestral_cfg_pp(model, x, sig, noise, cb=None): return _euler_cfgpp(model, x, sig, noise, cb, 1.0, 1.0)


def dpmpp_2m_cfg_pp(model, x, sig, noise=None, cb=None):
    old = None
    for i in range(len(sig) - 1):
        den, unc = model(x, sig[i], True)
        t, tn = F(-log(sig[i])), F(-log(sig[i + 1]))
        h = F(tn - t)
        eh = exp(-h)
        if old is None or sig[i + 1] == 0:
            mix = t_(-eh) * unc
        else:
            hl = F(t - F(-log(sig[i - 1])))
            r = F(hl / h)
            mix = t_(-eh) * unc - t_(F(expm1(-h) * F(F(1) / F(2 * r)))) * (den - old)
        x = (den + mix) + t_(eh) * x
        old = unc
        cb and cb(i, den)
    return x


# ---- UniPC (bh1 / bh2), VP coordinates with sigma as time ----
def _lmc(s): return F(F(0.5) * log(F(F(1) / F(F(s * s) + F(1)))))
def _alpha(s): return exp(_lmc(s))
def _std(s): return sqrt(F(F(1) - exp(F(F(2) * _lmc(s)))))
def _lam(s):
    l = _lmc(s)
    return F(l - F(F(0.5) * log(F(F(1) - exp(F(F(2) * l))))))


def _unipc(model, x, sig, cb, bh2):
    ts = np.array(sig, np.float32).copy()
    if ts[-1] == 0:
        ts[-1] = F(0.001)
    N = len(ts) - 1
    order = max(1, min(3, N - 1))

    def m0(x, s):
        sc = sqrt(F(F(s * s) + F(1)))
        xt = x * t_(sc)
        eps = (xt - model(xt, s)) / t_(s)
        return (x - t_(_std(s)) * eps) / t_(_alpha(s))

    def update(x, hist, th, t, q, corr):
        mp0, tp0 = hist[-1], th[-1]
        l0, lt = _lam(tp0), _lam(t)
        at = exp(_lmc(t))
        h = F(lt - l0)
        rks, D1s = [], []
        for i in range(1, q):
            rk = F(F(_lam(th[-(i + 1)]) - l0) / h)
            rks.append(rk)
            D1s.append((hist[-(i + 1)] - mp0) / t_(rk))
        rks.append(F(1))
        hh = F(-h)
        hphi1 = expm1(hh)
        hphik = F(F(hphi1 / hh) - F(1))
        fact = 1
        Bh = expm1(hh) if bh2 else hh
        R, b = [], []
        for i in range(1, q + 1):
            R.append([F(1) if i == 1 else F(_m.powf(r, F(i - 1))) for r in rks])
            b.append(F(F(hphik * F(fact)) / Bh))
            fact *= i + 1
            hphik = F(F(hphik / hh) - F(F(1) / F(fact)))
        R = np.array(R, np.float64)
        b = np.array(b, np.float64)
        xpre = t_(F(_std(t) / _std(tp0))) * x - t_(F(at * hphi1)) * mp0
        if D1s:
            rp = [0.5] if q == 2 else list(np.linalg.solve(R[:-1, :-1], b[:-1]))
            pr = sum(t_(F(r)) * d for r, d in zip(rp, D1s))
            xn = xpre - t_(F(at * Bh)) * pr
        else:
            xn = xpre
        if not corr:
            return xn, None
        rc = [0.5] if q == 1 else list(np.linalg.solve(R, b))
        mt = m0(xn, t)
        cr = sum(t_(F(r)) * d for r, d in zip(rc[:-1], D1s)) if D1s else 0
        return xpre - t_(F(at * Bh)) * (cr + t_(F(rc[-1])) * (mt - mp0)), mt

    x = x / t_(sqrt(F(F(1) + F(ts[0] * ts[0]))))
    hist, th = [m0(x, ts[0])], [ts[0]]
    for step in range(1, N + 1):
        q = step if step < order else min(order, N + 1 - step)
        corr = step < N
        x, mt = update(x, hist, th, ts[step], q, corr)
        if corr:
            hist.append(mt)
            th.append(ts[step])
            hist, th = hist[-4:], th[-4:]
        cb and cb(step - 1, hist[-1])
    return x / t_(_alpha(ts[-1]))


def uni_pc(model, x, sig, noise=None, cb=None): return _unipc(model, x, sig, cb, False)
def uni_pc_bh2(model, x, sig, noise=None, cb=None): return _unipc(model, x, sig, cb, True)


SAMPLERS = {f.__name__: f for f in (euler, euler_ancestral, heun, dpm_2, dpm_2_ancestral, lms, ipndm,
                                     gradient_estimation, dpmpp_2m, dpmpp_2s_ancestral, dpmpp_sde, dpmpp_2m_sde,
                                     dpmpp_2m_sde_heun, dpmpp_3m_sde, ddpm, lcm, euler_cfg_pp, euler_ancestral_cfg_pp,
                                     dpmpp_2m_cfg_pp, uni_pc, uni_pc_bh2)}
SAMPLERS["ddim"] = euler
NOISE = {"euler_ancestral": "default", "dpm_2_ancestral": "default", "dpmpp_2s_ancestral": "default",
         "ddpm": "default", "lcm": "default", "euler_cfg_pp": "default", "euler_ancestral_cfg_pp": "default",
         "dpmpp_sde": "brownian", "dpmpp_2m_sde": "brownian", "dpmpp_2m_sde_heun": "brownian",
         "dpmpp_3m_sde": "brownian"}
CFGPP = {"euler_cfg_pp", "euler_ancestral_cfg_pp", "dpmpp_2m_cfg_pp"}


def noise_sampler(kind, shape, seed, sigmas):
    if kind == "default":
        g = torch.Generator().manual_seed(seed + 1)
        return lambda s, sn: torch.randn(shape, generator=g)
    if kind == "brownian":
        import torchsde
        import warnings
        pos = sigmas[sigmas > 0]
        t0, t1 = float(pos.min()), float(sigmas.max())
        tree = torchsde.BrownianTree(t0, torch.zeros(shape), t1, entropy=seed, tol=1e-6, pool_size=24)

        def f(s, sn):
            s, sn = F(s), F(sn)
            lo, hi, sign = (s, sn, 1.0) if s < sn else (sn, s, -1.0)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                w = tree(float(lo), float(hi)) * sign
            return w / t_(np.sqrt(np.abs(F(sn - s))))
        return f
    return None


# ---- second batch: heunpp2, dpm_fast, seeds family, res_multistep family, ipndm_v, er_sde, ...
def _lerp(a, b, w):
    a, b, w = F(a), F(b), F(w)
    return F(a + F(w * F(b - a))) if abs(w) < 0.5 else F(b - F(F(b - a) * F(F(1) - w)))


def heunpp2(model, x, sig, noise=None, cb=None):
    s_end = sig[-1]
    for i in range(len(sig) - 1):
        den = model(x, sig[i])
        d = to_d(x, sig[i], den)
        dt = t_(F(sig[i + 1] - sig[i]))
        if sig[i + 1] == s_end:
            x = x + d * dt
        else:
            x2 = x + d * dt
            d2 = to_d(x2, sig[i + 1], model(x2, sig[i + 1]))
            if sig[i + 2] == s_end:
                w2 = F(sig[i + 1] / F(F(2) * sig[0]))
                w1 = F(F(1) - w2)
                x = x + (d * t_(w1) + d2 * t_(w2)) * dt
            else:
                x3 = x2 + d2 * t_(F(sig[i + 2] - sig[i + 1]))
                d3 = to_d(x3, sig[i + 2], model(x3, sig[i + 2]))
                w2 = F(sig[i + 1] / F(F(3) * sig[0]))
                w3 = F(sig[i + 2] / F(F(3) * sig[0]))
                w1 = F(F(F(1) - w2) - w3)
                x = x + ((t_(w1) * d + t_(w2) * d2) + t_(w3) * d3) * dt
        cb and cb(i, den)
    return x


def dpm_fast(model, x, sig, noise=None, cb=None):
    N = len(sig) - 1
    smin = sig[-2] if sig[-1] == 0 else sig[-1]
    t0, t1 = F(-log(sig[0])), F(-log(smin))
    m = N // 3 + 1
    ts = torch.linspace(float(t0), float(t1), m + 1).numpy()
    orders = [3] * (m - 2) + [2, 1] if N % 3 == 0 else [3] * (m - 1) + [N % 3]

    def eps(xx, t):
        sg = exp(-t)
        return (xx - model(xx, sg)) / t_(sg)
    for i, o in enumerate(orders):
        t, tn = F(ts[i]), F(ts[i + 1])
        h = F(tn - t)
        e = eps(x, t)
        cb and cb(i, x - t_(exp(-t)) * e)
        stn, em = exp(-tn), expm1(h)
        if o == 1:
            x = x - t_(F(stn * em)) * e
        elif o == 2:
            s1 = F(t + F(F(0.5) * h))
            u1 = x - t_(F(exp(-s1) * expm1(F(F(0.5) * h)))) * e
            e1 = eps(u1, s1)
            x = (x - t_(F(stn * em)) * e) - t_(F(F(stn / F(1.0)) * em)) * (e1 - e)
        else:
            r1, r2 = F(1 / 3), F(2 / 3)
            s1, s2 = F(t + F(r1 * h)), F(t + F(r2 * h))
            u1 = x - t_(F(exp(-s1) * expm1(F(r1 * h)))) * e
            e1 = eps(u1, s1)
            r2h = F(r2 * h)
            em2 = expm1(r2h)
            u2 = (x - t_(F(exp(-s2) * em2)) * e) - t_(F(F(exp(-s2) * F(2.0)) * F(F(em2 / r2h) - F(1))) ) * (e1 - e)
            e2 = eps(u2, s2)
            x = (x - t_(F(stn * em)) * e) - t_(F(F(stn / r2) * F(F(em / h) - F(1)))) * (e2 - e)
    return x


def _phi1(h): return expm1(h)
def _phi2(h): return F(F(expm1(h) - F(h)) / F(h))


def _seeds2(model, x, sig, noise, cb, eta, s_noise, r, phi_2):
    noisy = eta > 0 and s_noise > 0
    for i in range(len(sig) - 1):
        den = model(x, sig[i])
        if sig[i + 1] == 0:
            x = den
        else:
            ls, lt = F(-log(sig[i])), F(-log(sig[i + 1]))
            h = F(lt - ls)
            heta = F(h * F(eta + 1))
            l1 = _lerp(ls, lt, r)
            s1 = exp(-l1)
            a1, at = F(s1 * exp(l1)), F(sig[i + 1] * exp(lt))
            x2 = t_(F(F(s1 / sig[i]) * exp(F(F(F(-r) * h) * F(eta))))) * x - t_(F(a1 * _phi1(F(F(-r) * heta)))) * den
            if noisy:
                nz = t_(sqrt(F(-expm1(F(F(F(-2 * r) * h) * F(eta)))))) * noise(sig[i], s1)
                x2 = x2 + (nz * t_(s1)) * s_noise
            d2 = model(x2, s1)
            c3 = t_(F(F(sig[i + 1] / sig[i]) * exp(F(F(-h) * F(eta)))))
            if not phi_2:
                dd = torch.lerp(den, d2, float(F(1 / (2 * r))))
                x = c3 * x - t_(F(at * _phi1(-heta))) * dd
            else:
                b2 = F(_phi2(-heta) / F(r))
                b1 = F(_phi1(-heta) - b2)
                x = c3 * x - t_(at) * (t_(b1) * den + t_(b2) * d2)
            if noisy:
                g = F(F(F(r - 1) * h) * F(eta))
                nz = nz * t_(exp(g)) + t_(sqrt(F(-expm1(F(g * F(2)))))) * noise(s1, sig[i + 1])
                x = x + (nz * t_(sig[i + 1])) * s_noise
        cb and cb(i, den)
    return x


def seeds_2(model, x, sig, noise, cb=None): return _seeds2(model, x, sig, noise, cb, 1.0, 1.0, 0.5, False)
def exp_heun_2_x0(model, x, sig, noise, cb=None): return _seeds2(model, x, sig, noise, cb, 0.0, 0.0, 1.0, True)
def exp_heun_2_x0_sde(model, x, sig, noise, cb=None): return _seeds2(model, x, sig, noise, cb, 1.0, 1.0, 1.0, True)


def seeds_3(model, x, sig, noise, cb=None, eta=1.0, s_noise=1.0):
    r1, r2 = 1 / 3, 2 / 3
    for i in range(len(sig) - 1):
        den = model(x, sig[i])
        if sig[i + 1] == 0:
            x = den
        else:
            ls, lt = F(-log(sig[i])), F(-log(sig[i + 1]))
            h = F(lt - ls)
            heta = F(h * F(eta + 1))
            l1, l2 = _lerp(ls, lt, r1), _lerp(ls, lt, r2)
            s1, s2 = exp(-l1), exp(-l2)
            a1, a2, at = F(s1 * exp(l1)), F(s2 * exp(l2)), F(sig[i + 1] * exp(lt))
            x2 = t_(F(F(s1 / sig[i]) * exp(F(F(F(-r1) * h) * F(eta))))) * x - t_(F(a1 * _phi1(F(F(-r1) * heta)))) * den
            nz = t_(sqrt(F(-expm1(F(F(F(-2 * r1) * h) * F(eta)))))) * noise(sig[i], s1)
            x2 = x2 + (nz * t_(s1)) * s_noise
            d2 = model(x2, s1)
            a2c = F(F(r2 / r1) * _phi2(F(F(-r2) * heta)))
            a1c = F(_phi1(F(F(-r2) * heta)) - a2c)
            x3 = t_(F(F(s2 / sig[i]) * exp(F(F(F(-r2) * h) * F(eta))))) * x - t_(a2) * (t_(a1c) * den + t_(a2c) * d2)
            g = F(F(F(r1 - r2) * h) * F(eta))
            nz = nz * t_(exp(g)) + t_(sqrt(F(-expm1(F(g * F(2)))))) * noise(s1, s2)
            x3 = x3 + (nz * t_(s2)) * s_noise
            d3 = model(x3, s2)
            b3 = F(_phi2(-heta) / F(r2))
            b1 = F(_phi1(-heta) - b3)
            x = t_(F(F(sig[i + 1] / sig[i]) * exp(F(F(-h) * F(eta))))) * x - t_(at) * (t_(b1) * den + t_(b3) * d3)
            g = F(F(F(r2 - 1) * h) * F(eta))
            nz = nz * t_(exp(g)) + t_(sqrt(F(-expm1(F(g * F(2)))))) * noise(s2, sig[i + 1])
            x = x + (nz * t_(sig[i + 1])) * s_noise
        cb and cb(i, den)
    return x


def _res_multistep(model, x, sig, noise, cb, eta, cfg_pp):
    old = None
    old_sd = None
    for i in range(len(sig) - 1):
        if cfg_pp:
            den, unc = model(x, sig[i], True)
        else:
            den = model(x, sig[i])
        sd, su = ancestral(sig[i], sig[i + 1], eta)
        if sd == 0 or old is None:
            if cfg_pp:
                x = den + ((x - unc) / t_(sig[i])) * t_(sd)
            else:
                x = x + ((x - den) / t_(sig[i])) * t_(F(sd - sig[i]))
        else:
            t, t_old, t_next, t_prev = F(-log(sig[i])), F(-log(old_sd)), F(-log(sd)), F(-log(sig[i - 1]))
            h = F(t_next - t)
            c2 = F(F(t_prev - t_old) / h)
            p1 = F(expm1(-h) / F(-h))
            p2 = F(F(p1 - F(1)) / F(-h))
            b1 = np.nan_to_num(F(p1 - F(p2 / c2)), nan=0.0)
            b2 = np.nan_to_num(F(p2 / c2), nan=0.0)
            if cfg_pp:
                x = x + (den - unc)
                x = t_(exp(-h)) * x + t_(h) * (t_(b1) * unc + t_(b2) * old)
            else:
                x = t_(exp(-h)) * x + t_(h) * (t_(b1) * den + t_(b2) * old)
        if sig[i + 1] > 0:
            x = x + (noise(sig[i], sig[i + 1]) * 1.0) * t_(su)
        old = unc if cfg_pp else den
        old_sd = sd
        cb and cb(i, den)
    return x


def res_multistep(model, x, sig, noise, cb=None): return _res_multistep(model, x, sig, noise, cb, 0.0, False)
def res_multistep_cfg_pp(model, x, sig, noise, cb=None): return _res_multistep(model, x, sig, noise, cb, 0.0, True)
def res_multistep_ancestral(model, x, sig, noise, cb=None): return _res_multistep(model, x, sig, noise, cb, 1.0, False)
def res_multistep_ancestral_cfg_pp(model, x, sig, noise, cb=None):
    return _res_multistep(model, x, sig, noise, cb, 1.0, True)


def gradient_estimation_cfg_pp(model, x, sig, noise=None, cb=None, ge_gamma=2.0):
    old = None
    for i in range(len(sig) - 1):
        den, unc = model(x, sig[i], True)
        d = to_d(x, sig[i], unc)
        dt = t_(F(sig[i + 1] - sig[i]))
        if sig[i + 1] == 0:
            x = den
        else:
            x = den + d * t_(sig[i + 1])
            if i >= 1:
                x = x + ((ge_gamma - 1) * (d - old)) * dt
        old = d
        cb and cb(i, den)
    return x


def dpmpp_2s_ancestral_cfg_pp(model, x, sig, noise, cb=None):
    for i in range(len(sig) - 1):
        den, unc = model(x, sig[i], True)
        sd, su = ancestral(sig[i], sig[i + 1])
        if sd == 0:
            x = den + ((x - unc) / t_(sig[i])) * t_(sd)
        else:
            t, tn = F(-log(sig[i])), F(-log(sd))
            h = F(tn - t)
            s = F(t + F(F(0.5) * h))
            x2 = t_(F(exp(-s) / exp(-t))) * (x + (den - unc)) - t_(expm1(F(-h * F(0.5)))) * den
            d2, unc = model(x2, exp(-s), True)
            x = t_(F(exp(-tn) / exp(-t))) * (x + (den - unc)) - t_(expm1(-h)) * d2
        if sig[i + 1] > 0:
            x = x + (noise(sig[i], sig[i + 1]) * 1.0) * t_(su)
        cb and cb(i, den)
    return x


def ipndm_v(model, x, sig, noise=None, cb=None):
    buf = []
    T = [t_(v) for v in sig]
    for i in range(len(sig) - 1):
        den = model(x, sig[i])
        d = to_d(x, sig[i], den)
        order = min(4, i + 1)
        tc, tn = T[i], T[i + 1]
        h = tn - tc
        if sig[i + 1] == 0:
            x = den
        elif order == 1:
            x = x + h * d
        else:
            h1 = tc - T[i - 1]
            c1 = (2 + (h / h1)) / 2
            c2 = -(h / h1) / 2
            if order == 2:
                x = x + h * (c1 * d + c2 * buf[-1])
            else:
                h2 = T[i - 1] - T[i - 2]
                temp = (1 - h / (3 * (h + h1)) * (h * (h + h1)) / (h1 * (h1 + h2))) / 2
                if order == 3:
                    c1 = (2 + (h / h1)) / 2 + temp
                    c2 = -(h / h1) / 2 - (1 + h1 / h2) * temp
                    c3 = temp * h1 / h2
                    x = x + h * (c1 * d + c2 * buf[-1] + c3 * buf[-2])
                else:
                    h3 = T[i - 2] - T[i - 3]
                    temp2 = ((1 - h / (3 * (h + h1))) / 2 + (1 - h / (2 * (h + h1))) * h / (6 * (h + h1 + h2))) \
                        * (h * (h + h1) * (h + h1 + h2)) / (h1 * (h1 + h2) * (h1 + h2 + h3))
                    q = (h1 * (h1 + h2) / (h2 * (h2 + h3)))
                    c1 = (2 + (h / h1)) / 2 + temp + temp2
                    c2 = -(h / h1) / 2 - (1 + h1 / h2) * temp - (1 + (h1 / h2) + q) * temp2
                    c3 = temp * h1 / h2 + ((h1 / h2) + q * (1 + h2 / h3)) * temp2
                    c4 = -temp2 * q * h1 / h2
                    x = x + h * (c1 * d + c2 * buf[-1] + c3 * buf[-2] + c4 * buf[-3])
        buf.append(d)
        buf = buf[-3:]
        cb and cb(i, den)
    return x


def er_sde(model, x, sig, noise, cb=None, s_noise=1.0, max_stage=3):
    sg = torch.from_numpy(np.asarray(sig, np.float32))
    lam = sg.log().neg().neg().exp()

    def S(v): return v * ((v ** 0.3).exp() + 10.0)
    pts = torch.arange(0, 200, dtype=torch.float32)
    old = old_d = None
    for i in range(len(sig) - 1):
        den = model(x, sig[i])
        stage = min(max_stage, i + 1)
        if sig[i + 1] == 0:
            x = den
        else:
            ls, lt = lam[i], lam[i + 1]
            a_s, a_t = sg[i] / ls, sg[i + 1] / lt
            r = S(lt) / S(ls)
            x = (a_t / a_s) * r * x + a_t * (1 - r) * den
            if stage >= 2:
                dt = lt - ls
                step = -dt / 200
                pos = lt + pts * step
                sp = S(pos)
                s = torch.sum(1 / sp) * step
                dd = (den - old) / (ls - lam[i - 1])
                x = x + a_t * (dt + s * S(lt)) * dd
                if stage >= 3:
                    su = torch.sum((pos - ls) / sp) * step
                    du = (dd - old_d) / ((ls - lam[i - 2]) / 2)
                    x = x + a_t * ((dt ** 2) / 2 + su * S(lt)) * du
                old_d = dd
            x = x + a_t * noise(sig[i], sig[i + 1]) * s_noise * (lt ** 2 - ls ** 2 * r ** 2).sqrt().nan_to_num(nan=0.0)
        old = den
        cb and cb(i, den)
    return x


for _f in (heunpp2, dpm_fast, seeds_2, exp_heun_2_x0, exp_heun_2_x0_sde, seeds_3, res_multistep, res_multistep_cfg_pp,
           res_multistep_ancestral, res_multistep_ancestral_cfg_pp, gradient_estimation_cfg_pp,
           dpmpp_2s_ancestral_cfg_pp, ipndm_v, er_sde):
    SAMPLERS[_f.__name__] = _f
for _n in ("seeds_2", "exp_heun_2_x0", "exp_heun_2_x0_sde", "seeds_3", "res_multistep", "res_multistep_cfg_pp",
           "res_multistep_ancestral", "res_multistep_ancestral_cfg_pp", "dpmpp_2s_ancestral_cfg_pp", "er_sde"):
    NOISE[_n] = "default"
CFGPP |= {"res_multistep_cfg_pp", "res_multistep_ancestral_cfg_pp", "gradient_estimation_cfg_pp",
          "dpmpp_2s_ancestral_cfg_pp"}


def deis(model, x, sig, noise=None, cb=None, max_order=3, N=10000):
    """DEIS 'tab' as ComfyUI computes it: float32 torch, autograd for d log ᾱ/dτ, torch.sum."""
    eps_s, smin, smax = 1e-3, 0.002, 80.0
    lmin = np.log((torch.tensor(smin) ** 2 + 1).numpy())
    lmax = np.log((torch.tensor(smax) ** 2 + 1).numpy())
    beta_d = 2 * (lmin / eps_s - lmax) / (eps_s - 1)
    beta_min = lmax - 0.5 * beta_d
    sg = torch.from_numpy(np.asarray(sig, np.float32))
    t = ((beta_min ** 2 + 2 * beta_d * (sg ** 2 + 1).log()).sqrt() - beta_min) / beta_d
    b0, b1 = torch.as_tensor(beta_min), torch.as_tensor(beta_d + beta_min)
    coeffs = []
    for i in range(len(sig) - 1):
        order = min(i + 1, max_order)
        if order == 1:
            coeffs.append([])
            continue
        taus = torch.linspace(float(t[i]), float(t[i + 1]), N).clone().requires_grad_(True)
        alpha = torch.exp(-0.5 * taus ** 2 * (b1 - b0) - taus * b0)
        alpha.log().sum().backward()
        integrand = (-0.5 * taus.grad / torch.sqrt(alpha * (1 - alpha))).detach()
        taus = taus.detach()
        prev = t[[i - k for k in range(order)]]
        cs = []
        for j in range(order):
            poly = 1
            for k in range(order):
                if k != j:
                    poly = poly * (taus - prev[k]) / (prev[j] - prev[k])
            cs.append(torch.sum(integrand * poly) * ((t[i + 1] - t[i]) / N))
        coeffs.append(cs)
    buf = []
    for i in range(len(sig) - 1):
        den = model(x, sig[i])
        d = to_d(x, sig[i], den)
        order = min(max_order, i + 1)
        if sig[i + 1] <= 0:
            order = 1
        if order == 1:
            x = x + t_(F(sig[i + 1] - sig[i])) * d
        else:
            c = [t_(float(v)) for v in coeffs[i]]
            x = x + c[0] * d + c[1] * buf[-1] + (c[2] * buf[-2] if order == 3 else 0)
        buf.append(d)
        buf = buf[-2:]
        cb and cb(i, den)
    return x


SAMPLERS["deis"] = deis


def _sa_b(sigma_next, lams, la, lb, tau):
    """Stochastic Adams coefficients (spec §4.26), float64."""
    import math as _m
    m = 1.0 + tau * tau
    H = lb - la
    K = len(lams)
    c = []
    for p in range(K):
        s = 0.0
        for q in range(p + 1):
            f = _m.factorial(p) / _m.factorial(q)
            mp = 1.0 if tau == 0 else m ** (-(p - q))
            s += (-1) ** (p - q) * f * mp * (lb ** q - la ** q * _m.exp(-m * H))
        c.append(s)
    V = np.array([[lam ** p for p in range(K)] for lam in lams], np.float64)
    w = np.linalg.solve(V.T, np.array(c))
    return sigma_next * _m.exp(lb) * w


def _sa_solver(model, x, sig, noise, cb, pece, percent_to_sigma, eta=1.0, s_noise=1.0):
    import math as _m
    N = len(sig) - 1
    s64 = [float(v) for v in sig]
    start, end = percent_to_sigma(0.2), percent_to_sigma(0.8)
    lower = sig[-1] == 0
    P = []
    xpred = x
    tau = h = 0.0
    hf = F(0)
    nz = None
    for i in range(N):
        d = model(xpred, sig[i])
        P.append(d)
        P = P[-4:]
        kp = min(3, len(P))
        kc = 0 if (i == 0 or (sig[i + 1] == 0 and not pece)) else min(4, len(P))
        if lower:
            kp, kc = min(kp, N - 1 - i), min(kc, N - i)
        if kc == 0:
            x = xpred
        else:
            b = _sa_b(s64[i], [-_m.log(s64[i - kc + 1 + k]) for k in range(kc)], -_m.log(s64[i - 1]),
                      -_m.log(s64[i]), tau)
            acc = sum(torch.from_numpy(np.float64(bk) * P[len(P) - kc + k].double().numpy())
                      for k, bk in enumerate(b)).float()
            x = t_(F(F(sig[i] / sig[i - 1]) * exp(F(F(-(tau * tau)) * hf)))) * x + acc
            if tau > 0 and nz is not None:
                x = x + nz
            if pece:
                P[-1] = model(x, sig[i])
        if sig[i + 1] == 0:
            xpred = P[-1]
        else:
            s1 = s64[i + 1]
            tau = eta if end <= s1 <= start else 0.0
            li, ln1 = -_m.log(s64[i]), -_m.log(s1)
            b = _sa_b(s1, [-_m.log(s64[i - kp + 1 + k]) for k in range(kp)], li, ln1, tau)
            h = ln1 - li
            hf = F(F(-log(sig[i + 1])) - F(-log(sig[i])))
            acc = sum(torch.from_numpy(np.float64(bk) * P[len(P) - kp + k].double().numpy())
                      for k, bk in enumerate(b)).float()
            xpred = t_(F(F(sig[i + 1] / sig[i]) * exp(F(F(-(tau * tau)) * hf)))) * x + acc
            nz = None
            if tau > 0 and s_noise > 0:
                sq = sqrt(F(-expm1(F(F(-2 * tau * tau) * hf))))
                nz = ((noise(sig[i], sig[i + 1]) * t_(sig[i + 1])) * t_(sq)) * s_noise
                xpred = xpred + nz
        cb and cb(i, d)
    return xpred


PERCENT_TO_SIGMA = None  # set by the tests (needs the model's table)


def sa_solver(model, x, sig, noise, cb=None): return _sa_solver(model, x, sig, noise, cb, False, PERCENT_TO_SIGMA)
def sa_solver_pece(model, x, sig, noise, cb=None): return _sa_solver(model, x, sig, noise, cb, True, PERCENT_TO_SIGMA)


SAMPLERS["sa_solver"] = sa_solver
SAMPLERS["sa_solver_pece"] = sa_solver_pece
NOISE["sa_solver"] = NOISE["sa_solver_pece"] = "default"


def dpm_adaptive(model, x, sig, noise=None, cb=None, rtol=0.05, atol=0.0078, h_init=0.05, pcoeff=0.0, icoeff=1.0,
                 dcoeff=0.0, accept_safety=0.81, order=3):
    """k-diffusion/ComfyUI DPMSolver.dpm_solver_adaptive (eta 0), float32 torch."""
    import math as _m
    smin = sig[-2] if sig[-1] == 0 else sig[-1]
    s = t_(-log(sig[0]))
    t_end = t_(-log(smin))

    def sg(t): return t.neg().exp()

    def eps(xx, t): return (xx - model(xx, float(sg(t)))) / sg(t)
    b1, b2, b3 = (pcoeff + icoeff + dcoeff) / order, -(pcoeff + 2 * dcoeff) / order, dcoeff / order
    h = h_init
    errs = []
    x_prev = x
    atol_t, rtol_t = torch.tensor(atol), torch.tensor(rtol)
    i = 0
    while s < t_end - 1e-5:
        t = torch.minimum(t_end, s + h)
        hh = t - s
        e = eps(x, s)
        r1, r2 = 1 / 3, 2 / 3
        s1 = s + r1 * hh
        u1 = x - sg(s1) * (r1 * hh).expm1() * e
        e1 = eps(u1, s1)
        x_low = x - sg(t) * hh.expm1() * e - sg(t) / (2 * r1) * hh.expm1() * (e1 - e)
        s2 = s + r2 * hh
        u2 = x - sg(s2) * (r2 * hh).expm1() * e - sg(s2) * (r2 / r1) * ((r2 * hh).expm1() / (r2 * hh) - 1) * (e1 - e)
        e2 = eps(u2, s2)
        x_high = x - sg(t) * hh.expm1() * e - sg(t) / r2 * (hh.expm1() / hh - 1) * (e2 - e)
        delta = torch.maximum(atol_t, rtol_t * torch.maximum(x_low.abs(), x_prev.abs()))
        error = torch.linalg.norm((x_low - x_high) / delta) / x.numel() ** 0.5
        inv = 1 / (float(error) + 1e-8)
        if not errs:
            errs = [inv, inv, inv]
        errs[0] = inv
        f = errs[0] ** b1 * errs[1] ** b2 * errs[2] ** b3
        f = 1 + _m.atan(f - 1)
        accept = f >= accept_safety
        if accept:
            errs[2], errs[1] = errs[1], errs[0]
        h *= f
        den = x - sg(s) * e
        if accept:
            x_prev = x_low
            x = x_high
            s = t
        cb and cb(i, den)
        i += 1
    return x


SAMPLERS["dpm_adaptive"] = dpm_adaptive
