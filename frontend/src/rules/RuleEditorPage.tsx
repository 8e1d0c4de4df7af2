export { RulesPage as default } from "../pages/placeholders";
