export { RunsPage as default } from "../pages/placeholders";
