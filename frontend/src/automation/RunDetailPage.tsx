export { RunDetailPage as default } from "../pages/placeholders";
