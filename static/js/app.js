// Clusterwork's scripts: an ES module, so browsers too old for GOV.UK Frontend never run it.
import { initAll } from "../build/govuk-frontend.min.js";

initAll();
