"""How the reference numbers in test_statistics.py were computed (not a test; not collected).

Independent of the code under test: no scipy, no numpy, only textbook formulas evaluated in
50-digit arithmetic with mpmath (Student's t CDF via the regularised incomplete beta
function, chi-square via the regularised upper incomplete gamma function, the normal via
erfc / erfinv, quantiles by root finding). Run once and pasted into the tests:

    pip install --target /tmp/mpm mpmath==1.3.0
    PYTHONPATH=/tmp/mpm python experiments/tests/reference_values.py
"""

from __future__ import annotations

try:
    import mpmath as mp
except ImportError:  # the tests import only the sample data from here
    mp = None

# Welch's t-test worked example from Wikipedia's "Welch's t-test" article (samples A1, A2 of
# its first example; the article reports t = -2.46, df ≈ 25.0, p = 0.021 to 2-3 digits).
A1 = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4]
A2 = [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4]


def mean_var(xs):
    xs = [mp.mpf(str(x)) for x in xs]
    n = len(xs)
    m = sum(xs) / n
    return n, m, sum((x - m) ** 2 for x in xs) / (n - 1)


def t_sf(t, df):
    """P(T > t) for t >= 0: ½ · I_{df/(df+t²)}(df/2, ½)."""
    return mp.betainc(df / 2, mp.mpf(1) / 2, 0, df / (df + t * t), regularized=True) / 2


def t_ppf(q, df):
    return mp.findroot(lambda x: 1 - t_sf(x, df) - q, 2)


def z_ppf(q):
    return mp.sqrt(2) * mp.erfinv(2 * q - 1)


def main() -> None:
    mp.mp.dps = 50
    n0, m0, v0 = mean_var(A1)  # control
    n1, m1, v1 = mean_var(A2)  # variant
    a, b = v0 / n0, v1 / n1
    se = mp.sqrt(a + b)
    t = (m1 - m0) / se
    df = (a + b) ** 2 / (a**2 / (n0 - 1) + b**2 / (n1 - 1))
    print("welch t", mp.nstr(t, 17), "df", mp.nstr(df, 17), "p", mp.nstr(2 * t_sf(abs(t), df), 17))
    half = t_ppf(mp.mpf("0.975"), n0 - 1) * mp.sqrt(v0 / n0)
    print("A1 mean CI", mp.nstr(m0 - half, 17), mp.nstr(m0 + half, 17))
    z975 = z_ppf(mp.mpf("0.975"))
    lift = m1 / m0 - 1
    lift_se = mp.sqrt(b / m0**2 + m1**2 * a / m0**4)
    print(
        "lift",
        mp.nstr(lift, 17),
        mp.nstr(lift - z975 * lift_se, 17),
        mp.nstr(lift + z975 * lift_se, 17),
    )

    # Two proportions: control 120/1000, variant 150/1000.
    x0, N0, x1, N1 = 120, 1000, 150, 1000
    p0, p1 = mp.mpf(x0) / N0, mp.mpf(x1) / N1
    pooled = mp.mpf(x0 + x1) / (N0 + N1)
    z = (p1 - p0) / mp.sqrt(pooled * (1 - pooled) * (mp.mpf(1) / N0 + mp.mpf(1) / N1))
    print("z", mp.nstr(z, 17), "p", mp.nstr(mp.erfc(abs(z) / mp.sqrt(2)), 17))
    # Wilson interval for 120/1000.
    centre = (p0 + z975**2 / (2 * N0)) / (1 + z975**2 / N0)
    width = z975 / (1 + z975**2 / N0) * mp.sqrt(p0 * (1 - p0) / N0 + z975**2 / (4 * N0**2))
    print("wilson", mp.nstr(centre - width, 17), mp.nstr(centre + width, 17))
    va, vb = p0 * (1 - p0) / N0, p1 * (1 - p1) / N1
    lift = p1 / p0 - 1
    lift_se = mp.sqrt(vb / p0**2 + p1**2 * va / p0**4)
    print(
        "rate lift",
        mp.nstr(lift, 17),
        mp.nstr(lift - z975 * lift_se, 17),
        mp.nstr(lift + z975 * lift_se, 17),
    )

    # mSPRT on the rate difference, alpha 0.05, planned 2 x 400.
    alpha = mp.mpf("0.05")
    rho2 = (-2 * mp.log(alpha) + mp.log(-2 * mp.log(alpha) + 1)) / 800
    V = va + vb
    tau2 = rho2 * V * (N0 + N1)
    theta = p1 - p0
    log_lr = mp.log(mp.sqrt(V / (V + tau2))) + tau2 * theta**2 / (2 * V * (V + tau2))
    half = mp.sqrt(2 * V * (V + tau2) / tau2 * (mp.log(1 / alpha) + mp.log((V + tau2) / V) / 2))
    print(
        "msprt logLR",
        mp.nstr(log_lr, 17),
        "p",
        mp.nstr(min(1, mp.e ** (-log_lr)), 17),
        "ci",
        mp.nstr(theta - half, 17),
        mp.nstr(theta + half, 17),
    )

    # SRM: 50/50 planned; 5,120 vs 4,880 (fine) and 5,300 vs 4,700 (skewed); and two periods
    # 50/25/25 (2,000 users: 1,020/490/490) then 80/10/10 (1,000: 790/110/100), df = 4.
    def chi2_sf(x, k):
        return mp.gammainc(mp.mpf(k) / 2, x / 2, mp.inf, regularized=True)

    for obs in ((5120, 4880), (5300, 4700)):
        n = sum(obs)
        stat = sum((mp.mpf(o) - n / 2) ** 2 / (n / 2) for o in obs)
        print("srm", obs, mp.nstr(stat, 17), mp.nstr(chi2_sf(stat, 1), 17))
    stat = mp.mpf(0)
    for obs, split in (((1020, 490, 490), (50, 25, 25)), ((790, 110, 100), (80, 10, 10))):
        n = sum(obs)
        stat += sum(
            (mp.mpf(o) - mp.mpf(n) * w / 100) ** 2 / (mp.mpf(n) * w / 100)
            for o, w in zip(obs, split, strict=True)
        )
    print("srm two periods", mp.nstr(stat, 17), mp.nstr(chi2_sf(stat, 4), 17))


if __name__ == "__main__":
    main()
