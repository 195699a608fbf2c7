"""test_schedulers.py — model sampling tables and every scheduler against a torch/NumPy/SciPy
oracle written from spec sampling.md §1–3 (computed at test time), plus the spec's vectors."""
import ctypes as C
import math

import numpy as np
import pytest
import torch

import smp_bridge as sb

NAMES = ["simple", "sgm_uniform", "karras", "exponential", "ddim_uniform", "beta", "normal", "linear_quadratic",
         "kl_optimal"]


def ulps(a, b):
    a = np.asarray(a, np.float32)
    b = np.asarray(b, np.float32)
    assert a.shape == b.shape, (a.shape, b.shape)
    return int(np.abs(a.view(np.int32).astype(np.int64) - b.view(np.int32).astype(np.int64)).max()) if a.size else 0


# ---------------------------------------------------------------- oracle (torch, ComfyUI's formulas)
class RefMS:
    def __init__(self):
        betas = torch.linspace(0.00085 ** 0.5, 0.012 ** 0.5, 1000, dtype=torch.float64) ** 2
        ac = torch.cumprod(1.0 - betas, dim=0)
        sig = ((1 - ac) / ac) ** 0.5
        self.sigmas = sig.float()
        self.log_sigmas = sig.log().float()

    def timestep(self, sigma):
        d = torch.as_tensor(sigma, dtype=torch.float32).log() - self.log_sigmas
        return int(d.abs().argmin())

    def sigma(self, t):
        t = torch.clamp(torch.as_tensor(t, dtype=torch.float32), 0, 999)
        lo, hi = t.floor().long(), t.ceil().long()
        w = t.frac()
        return ((1 - w) * self.log_sigmas[lo] + w * self.log_sigmas[hi]).exp()


REF = RefMS()


def ref_sched(name, n):
    ms = REF
    smin, smax = float(ms.sigmas[0]), float(ms.sigmas[-1])
    if name == "simple":
        ss = 1000 / n
        return np.array([float(ms.sigmas[-(1 + int(x * ss))]) for x in range(n)] + [0.0], np.float32)
    if name in ("normal", "sgm_uniform"):
        start, end = ms.timestep(ms.sigmas[-1]), ms.timestep(ms.sigmas[0])
        ts = torch.linspace(start, end, n + 1)[:-1] if name == "sgm_uniform" else torch.linspace(start, end, n)
        return np.array([float(ms.sigma(t)) for t in ts] + [0.0], np.float32)
    if name == "karras":
        ramp = torch.linspace(0, 1, n)
        lo, hi = smin ** (1 / 7), smax ** (1 / 7)
        return torch.cat([(hi + ramp * (lo - hi)) ** 7, torch.zeros(1)]).numpy()
    if name == "exponential":
        return torch.cat([torch.linspace(math.log(smax), math.log(smin), n).exp(), torch.zeros(1)]).numpy()
    if name == "ddim_uniform":
        ss = max(1000 // n, 1)
        xs = list(range(1, 1000, ss))
        return np.array([float(ms.sigmas[x]) for x in reversed(xs)] + [0.0], np.float32)
    if name == "beta":
        import scipy.stats
        ts = np.rint(scipy.stats.beta.ppf(1 - np.linspace(0, 1, n, endpoint=False), 0.6, 0.6) * 999)
        out, last = [], None
        for t in ts:
            if t != last:
                out.append(float(ms.sigmas[int(t)]))
            last = t
        return np.array(out + [0.0], np.float32)
    if name == "linear_quadratic":
        if n == 1:
            sched = [1.0, 0.0]
        else:
            L = n // 2
            diff = L - 0.025 * n
            Q = n - L
            qc = diff / (L * Q ** 2)
            lc = 0.025 / L - 2 * diff / (Q ** 2)
            c = qc * (L ** 2)
            sched = [i * 0.025 / L for i in range(L)] + [qc * i ** 2 + lc * i + c for i in range(L, n)] + [1.0]
            sched = [1.0 - x for x in sched]
        return (torch.FloatTensor(sched) * ms.sigmas[-1]).numpy()
    if name == "kl_optimal":
        w = torch.arange(n, dtype=torch.float).div_(n - 1)
        s = (w * math.atan(smin) + (1 - w) * math.atan(smax)).tan_()
        return torch.cat([s, torch.zeros(1)]).numpy()
    raise KeyError(name)


def c_sched(i, n):
    ms = sb.sd_sampling()
    s = sb.Sigmas()
    assert sb.lib().cfy_scheduler_sigmas(C.byref(ms), i, n, C.byref(s), None) == 0
    return sb.sigmas_np(s)


# Table lookups are exact (0 ulp). Entries through torch's linspace/pow/exp/tan use SLEEF/MKL on
# the vector CPU kernels and differ from glibc by a few ulp (spec §2.12): <= 1e-6 relative.
EXACT = {"simple", "ddim_uniform", "beta", "linear_quadratic"}


def close(name, got, ref):
    if name in EXACT:
        return ulps(got, ref) == 0
    got = np.asarray(got, np.float32)
    ref = np.asarray(ref, np.float32)
    return got.shape == ref.shape and bool(np.all(np.abs(got - ref) <= 1e-6 * np.abs(ref)))


def test_sigma_table():
    ms = sb.sd_sampling()
    a = np.array(ms.sigmas[:], np.float32)
    assert ulps(a, REF.sigmas.numpy()) == 0
    assert ulps(np.array(ms.log_sigmas[:], np.float32), REF.log_sigmas.numpy()) == 0
    assert a[999].view(np.uint32) == 0x4169d592 and a[0].view(np.uint32) == 0x3ceeeff7
    assert abs(float(np.sum(a.astype(np.float64))) - 3021.3089428637177) < 1e-9


def test_timestep_and_sigma():
    ms = sb.sd_sampling()
    for s in (14.614641, 1.0, 0.5, 0.0291675, 3.3, 0.07):
        assert sb.lib().cfy_ms_timestep(C.byref(ms), s) == REF.timestep(s)
    assert sb.lib().cfy_ms_timestep(C.byref(ms), 1.0) == 354
    for t in (0.0, 999.0, 998.5, 500.25, 17.3):
        assert ulps(sb.lib().cfy_ms_sigma(C.byref(ms), t), float(REF.sigma(t))) <= 1
    assert abs(sb.lib().cfy_ms_percent_to_sigma(C.byref(ms), 0.5) - 1.6155803203582764) < 1e-6


@pytest.mark.parametrize("name", NAMES)
def test_scheduler_vs_oracle(name):
    for n in (1, 2, 3, 7, 10, 20, 30, 50):
        if name == "kl_optimal" and n == 1:
            continue  # 0/0: NaN in ComfyUI too
        got = c_sched(NAMES.index(name), n)
        ref = ref_sched(name, n)
        assert close(name, got, ref), (name, n, got, ref)


SPEC = {  # spec §2 vectors (PyTorch 1.13 scalar kernels)
    ("simple", 10): "14.614641189575195 8.302803039550781 5.08776330947876 3.3210830688476562 2.276463031768799 1.6128861904144287 1.1605783700942993 0.8298595547676086 0.5692849159240723 0.3416738212108612 0.0",
    ("karras", 10): "14.614643096923828 9.10292911529541 5.478392124176025 3.168604850769043 1.749418020248413 0.9140726923942566 0.4469185769557953 0.2013983577489853 0.08191029727458954 0.0291671771556139 0.0",
    ("ddim_uniform", 10): "8.390685081481934 5.134430885314941 3.3477635383605957 2.292853832244873 1.6236920356750488 1.1682159900665283 0.8356528282165527 0.57405024766922 0.34618669748306274 0.04131441190838814 0.0",
    ("kl_optimal", 10): "14.614632606506348 4.2323503494262695 2.393718957901001 1.5970659255981445 1.1329967975616455 0.8152444362640381 0.572914183139801 0.37248414754867554 0.19528833031654358 0.029167158529162407 0.0",
    ("beta", 20): "14.614641189575195 13.515695571899414 11.542770385742188 9.388923645019531 7.371844291687012 5.686591625213623 4.372801780700684 3.374724864959717 2.6152358055114746 2.047311782836914 1.6182788610458374 1.2846211194992065 1.0273293256759644 0.8212211728096008 0.6548853516578674 0.5153906345367432 0.3955096900463104 0.2912839353084564 0.1990586221218109 0.11141882091760635 0.0",
    ("linear_quadratic", 20): "14.614641189575195 14.578104972839355 14.5415678024292 14.50503158569336 14.46849536895752 14.431958198547363 14.395421981811523 14.358884811401367 14.322348594665527 14.285812377929688 14.249275207519531 14.073899269104004 13.620844841003418 12.890113830566406 11.88170337677002 10.59561538696289 9.031847953796387 7.190403461456299 5.071280479431152 2.6744792461395264 0.0",
}


@pytest.mark.parametrize("key", list(SPEC))
def test_spec_vectors(key):
    ref = np.array([float(v) for v in SPEC[key].split()], np.float32)
    assert ulps(c_sched(NAMES.index(key[0]), key[1]), ref) <= 1


def ays_ref(table, steps, denoise):
    total = steps
    if denoise < 1.0:
        total = round(steps * denoise)
    def lli(t, n):
        xs = np.linspace(0, 1, len(t))
        ys = np.log(t[::-1])
        return np.exp(np.interp(np.linspace(0, 1, n), xs, ys))[::-1].copy()
    lv = list(table) if steps + 1 == len(table) else list(lli(table, steps + 1))
    lv = lv[-(total + 1):]
    lv[-1] = 0.0
    return np.array(lv, np.float32)


AYS = {"SD1": [14.6146412293, 6.4745760956, 3.8636745985, 2.6946151520, 1.8841921177, 1.3943805092, 0.9642583904,
               0.6523686016, 0.3977456272, 0.1515232662, 0.0291671582],
       "SDXL": [14.6146412293, 6.3184485287, 3.7681790315, 2.1811480769, 1.3405244945, 0.8620721141, 0.5550693289,
                0.3798540708, 0.2332364134, 0.1114188177, 0.0291671582],
       "SVD": [700.00, 54.5, 15.886, 7.977, 4.248, 1.789, 0.981, 0.403, 0.173, 0.034, 0.002]}


def test_ays():
    for mt, table in AYS.items():
        for steps in (3, 10, 20, 37):
            for dn in (1.0, 0.5, 0.33):
                s = sb.Sigmas()
                assert sb.lib().cfy_sigmas_ays(mt.encode(), steps, dn, C.byref(s), None) == 0
                assert ulps(sb.sigmas_np(s), ays_ref(table, steps, dn)) == 0, (mt, steps, dn)


def test_gits_spec_vectors():
    s = sb.Sigmas()
    assert sb.lib().cfy_sigmas_gits(1.2, 10, 1.0, C.byref(s), None) == 0
    ref = "14.614641189575195 5.85520076751709 2.8448498249053955 1.6705001592636108 1.0889533758163452 0.748070478439331 0.501183807849884 0.32104822993278503 0.1989491581916809 0.09824532270431519 0.0"
    assert ulps(sb.sigmas_np(s), np.array([float(v) for v in ref.split()], np.float32)) == 0
    s = sb.Sigmas()
    assert sb.lib().cfy_sigmas_gits(1.2, 25, 1.0, C.byref(s), None) == 0
    got = sb.sigmas_np(s)
    ref25 = "14.614641189575195 8.561381340026855 5.630276203155518 3.9422953128814697 2.87412166595459 2.199885368347168 1.7184746265411377 1.3794513940811157 1.1171327829360962 0.9083399772644043 0.748070478439331 0.6230133771896362 0.5368496179580688 0.46289435029029846 0.39646491408348083 0.34370604157447815 0.3066914975643158 0.2685664892196655 0.2401832491159439 0.2198844701051712 0.1989491581916809 0.1756467968225479 0.15004600584506989 0.12042129784822464 0.07706007361412048 0.0"
    assert ulps(got, np.array([float(v) for v in ref25.split()], np.float32)) == 0


def ks(sampler, sched, steps, denoise):
    ms = sb.sd_sampling()
    s = sb.Sigmas()
    assert sb.lib().cfy_ksampler_sigmas(C.byref(ms), sampler.encode(), NAMES.index(sched), steps, denoise, C.byref(s),
                                        None) == 0
    return sb.sigmas_np(s)


def test_ksampler_denoise_and_discard():
    # spec §3.2 examples
    a = ks("euler", "karras", 20, 0.5)
    assert len(a) == 21 and abs(a[0] - 1.1817441) < 1e-6 and a[-1] == 0
    a = ks("euler", "normal", 10, 0.6)
    assert len(a) == 11 and abs(a[0] - 2.27973056) < 1e-6
    a = ks("dpm_2", "normal", 10, 1.0)
    assert len(a) == 11 and abs(a[1] - 8.30717087) < 1e-6 and abs(a[-2] - 0.34370482) < 1e-6
    a = ks("uni_pc", "karras", 8, 1.0)
    assert len(a) == 9 and abs(a[-2] - 0.0922600999) < 1e-6
    assert len(ks("euler", "ddim_uniform", 30, 1.0)) == 32
    # oracle: last steps+1 of calc(int(steps/denoise))
    for sched in NAMES:
        for steps, dn in ((10, 0.3), (20, 0.75), (7, 0.99)):
            n2 = int(steps / dn)
            full = ref_sched(sched, n2) if not (sched == "kl_optimal" and n2 == 1) else None
            got = ks("euler", sched, steps, dn)
            assert close(sched, got, full[-(steps + 1):]), (sched, steps, dn)
