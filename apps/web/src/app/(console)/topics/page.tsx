import { TopicsView } from './topics-view.tsx';

export default function TopicsPage() {
  return <TopicsView />;
}
