import js from "@eslint/js";
import security from "eslint-plugin-security";
export default [
  js.configs.recommended,
  security.configs.recommended,
  { languageOptions: { ecmaVersion: 2022, sourceType: "script" } },
];
