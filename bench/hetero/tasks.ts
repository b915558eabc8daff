/**
 * Synthetic heterogeneous-market tasks: three tabular domains (credit, insurance,
 * housing) with named features, correlated through a few latent factors; credit and
 * insurance share the meaning of two features (age, annual income) but not their
 * distributions. Learnwares and users see random column subsets, in random order, with
 * paraphrased descriptions (word order, stop words, plurals, units, case).
 */
import { fromRows, type Matrix } from "../../core/matrix.ts";
import { createRng, type Rng } from "../../core/random.ts";

export interface Feature {
  variants: string[];
  /** Loadings on the domain's latent factors, and the feature's mean and noise sd. */
  load: number[];
  mean: number;
  noise: number;
}

export interface Domain {
  name: string;
  features: Feature[];
  /** Label: 1[Σ w_j x_j + b + noise > 0] over standardised features. */
  w: number[];
}

const f = (variants: string[], load: number[], mean = 0, noise = 0.5): Feature => ({ variants, load, mean, noise });

export const DOMAINS: Domain[] = [
  {
    name: "credit",
    features: [
      f(["age of the applicant", "Applicant age", "applicant's age (years)"], [1, 0, 0], 1.0),
      f(["annual income", "Annual income (USD)", "the annual income"], [0.6, 0.8, 0], 0.5),
      f(["total debt", "Debt total", "total debts outstanding"], [0, 0.7, 0.7], -0.5),
      f(["number of open credit lines", "open credit lines", "Credit lines open (count)"], [0.3, 0, 0.9]),
      f(["months since last delinquency", "Last delinquency (months since)", "months since the last delinquency"], [-0.8, 0, 0.3]),
      f(["credit utilization ratio", "Utilization ratio of credit", "credit utilisation ratio"], [0, -0.5, 0.8]),
      f(["loan amount requested", "Requested loan amount", "amount of the loan requested"], [0.2, 0.9, 0.2], 0.3),
      f(["employment length in years", "Years of employment length", "employment length (years)"], [0.9, 0.3, 0]),
      f(["number of dependents", "Dependents (number)", "the number of dependents"], [0.4, -0.3, 0.5]),
      f(["home ownership score", "Score of home ownership", "home-ownership score"], [0.5, 0.5, -0.5]),
    ],
    w: [0.8, 1.2, -1.5, 0.5, 0.7, -1.0, -0.6, 0.6, -0.3, 0.4],
  },
  {
    name: "insurance",
    features: [
      f(["age of the policyholder", "Policyholder age", "policyholder's age (years)"], [1, 0, 0], -1.0),
      f(["annual income", "Income annual", "annual income in USD"], [0.5, 0.5, 0.5], -1.0),
      f(["body mass index", "Body-mass index (BMI)", "BMI body mass index"], [0, 1, 0], 1.5),
      f(["number of prior claims", "Prior claims (count)", "prior claims number"], [0.3, 0.3, 0.8], 1.0),
      f(["vehicle age in years", "Age of vehicle (years)", "vehicle's age years"], [-0.5, 0, 0.8]),
      f(["annual mileage", "Mileage per year (annual)", "the annual mileage"], [0.7, -0.7, 0]),
      f(["smoker indicator", "Indicator: smoker", "smoker (indicator)"], [0, 0.9, -0.4], -0.5),
      f(["deductible amount", "Amount of the deductible", "deductible (amount)"], [0.6, 0, 0.6], 0.5),
      f(["years licensed", "Licensed years", "number of years licensed"], [0.9, 0, -0.3], 0.8),
      f(["region risk index", "Risk index of the region", "regional risk index"], [0, 0.4, 0.9]),
    ],
    w: [-0.5, 0.4, 1.3, 1.0, 0.6, 0.8, 1.1, -0.7, -0.9, 0.9],
  },
  {
    name: "housing",
    features: [
      f(["number of rooms", "Rooms (number)", "the number of rooms"], [1, 0, 0], 2.0),
      f(["living area in square meters", "Living area (square meters)", "square meters of living area"], [0.9, 0.3, 0], 1.5),
      f(["distance to city centre", "City centre distance", "distance to the city centre (km)"], [0, -0.9, 0.3], -1.0),
      f(["building age", "Age of the building", "building's age (years)"], [0, 0.3, 0.9]),
      f(["crime rate of the district", "District crime rate", "crime rate in the district"], [0, 0.7, -0.6], 0.5),
      f(["school quality score", "Score of school quality", "school-quality score"], [0.3, 0.8, 0]),
      f(["floor level", "Level of the floor", "floor (level)"], [0.4, 0, 0.6], -0.5),
      f(["lot size", "Size of the lot", "lot size (square meters)"], [0.8, -0.4, 0]),
      f(["property tax rate", "Tax rate of the property", "property-tax rate"], [0, 0.6, 0.6], 1.0),
      f(["public transport access score", "Score of public transport access", "public-transport access score"], [-0.3, 0.8, 0]),
    ],
    w: [0.9, 1.1, -1.2, -0.6, -0.8, 0.9, 0.3, 0.5, -0.4, 0.6],
  },
];

/** Full-width rows of a domain and their labels. */
export function sampleDomain(dom: Domain, n: number, rng: Rng): { X: number[][]; y: number[] } {
  const X: number[][] = [],
    y: number[] = [];
  for (let i = 0; i < n; i++) {
    const lat = [rng.normal(), rng.normal(), rng.normal()];
    const x = dom.features.map((ft) => ft.mean + ft.load.reduce((s, l, k) => s + l * lat[k]!, 0) + ft.noise * rng.normal());
    const s = x.reduce((a, v, j) => a + dom.w[j]! * (v - dom.features[j]!.mean), 0) + 0.3 * rng.normal();
    X.push(x);
    y.push(s > 0 ? 1 : 0);
  }
  return { X, y };
}

export interface View {
  domain: number;
  /** Domain feature index of each column. */
  columns: number[];
  descriptions: string[];
}

/** A random view: 4–7 columns, random order, a random paraphrase per column. */
export function randomView(domain: number, rng: Rng, minCols = 4, maxCols = 7): View {
  const k = minCols + rng.nextInt(maxCols - minCols + 1);
  const idx = Array.from({ length: 10 }, (_, i) => i);
  for (let i = idx.length - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    [idx[i], idx[j]] = [idx[j]!, idx[i]!];
  }
  const columns = idx.slice(0, k);
  const descriptions = columns.map((c) => {
    const v = DOMAINS[domain]!.features[c]!.variants;
    return v[rng.nextInt(v.length)]!;
  });
  return { domain, columns, descriptions };
}

export function project(X: number[][], columns: readonly number[]): Matrix {
  return fromRows(X.map((x) => columns.map((c) => x[c]!)));
}

export function inputOf(descriptions: readonly string[]) {
  return { Dimension: descriptions.length, Description: Object.fromEntries(descriptions.map((d, i) => [String(i), d])) };
}

export { createRng };
