export { AutomationPage as default } from "../pages/placeholders";
