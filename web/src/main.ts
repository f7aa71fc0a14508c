// Entry point: one app for the buyer chat page and the agent workbench, routed by path.
import { createApp } from 'vue'
import { createPinia } from 'pinia'
import App from './App.vue'
import { router } from './router'
import { i18n } from './i18n'
import './styles/base.css'
import './styles/page.css'
import './styles/forms.css'

createApp(App).use(createPinia()).use(i18n).use(router).mount('#app')
